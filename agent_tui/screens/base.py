"""What every console screen shares: typed access to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from agent_tui.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    """A full screen of the console."""

    @property
    def console(self) -> ConsoleApp:
        """The running :class:`ConsoleApp`."""
        return cast("ConsoleApp", self.app)


__all__ = ["ConsoleScreen"]
