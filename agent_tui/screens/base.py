"""What every console screen shares: typed access to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from agent_tui.widgets.status_bar import Banner, StatusBar, problem_of

if TYPE_CHECKING:
    from agent_tui.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    """A full screen of the console."""

    @property
    def console(self) -> ConsoleApp:
        """The running :class:`ConsoleApp`."""
        return cast("ConsoleApp", self.app)

    def frame(self, status_id: str) -> ComposeResult:
        """The status line, the (hidden) connection banner and the message line."""
        yield StatusBar(id=status_id)
        yield Banner(id="banner")
        yield Static("", id="message")

    def draw_frame(self, status: Text) -> None:
        """The status line, the connection banner and the message line of the screen."""
        console = self.console
        self.query_one(StatusBar).update(status)
        self.query_one(Banner).show_problem(problem_of(console.desk))
        message = self.query_one("#message", Static)
        if console.last_error:
            message.update(f"[b red]{console.last_error}[/]")
        elif console.last_info:
            message.update(console.last_info)


__all__ = ["ConsoleScreen"]
