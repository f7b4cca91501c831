"""What the console's screens may use of the running app, as a protocol.

Screens and widgets import this module, never :mod:`agent_tui.app` (which imports them):
the app satisfies :class:`ConsoleContext`, and live changes reach the screens as messages
(:class:`agent_tui.feed.LiveFeed`'s).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, cast

from textual.app import App

from agent_tui.board_state import BoardState
from agent_tui.campaign_client import CampaignClient
from agent_tui.client import CallControlClient, DeskClient, Session
from agent_tui.desk_state import DeskState
from cti.protocol import BoardThresholds

Clock = Callable[[], datetime]


class ConsoleContext(Protocol):
    """The service's client, the live state and the message line, as the screens see them."""

    @property
    def client(self) -> DeskClient:
        """The REST client (its token in memory only)."""
        ...

    @property
    def calls(self) -> CallControlClient:
        """Call control and supervisor actions over the client."""
        ...

    @property
    def campaigns(self) -> CampaignClient:
        """Campaign, preview and do-not-call requests over the client."""
        ...

    @property
    def desk(self) -> DeskState:
        """The agent desk's state, kept current by the feed."""
        ...

    @property
    def board(self) -> BoardState:
        """The wall-board's state, kept current by the feed."""
        ...

    @property
    def thresholds(self) -> BoardThresholds:
        """The wall-board's limits per queue (from the settings)."""
        ...

    @property
    def clock(self) -> Clock:
        """The console's clock (frozen in tests)."""
        ...

    @property
    def session(self) -> Session:
        """The logged-in user (only once the login screen has gone)."""
        ...

    @property
    def last_error(self) -> str | None:
        """The last error shown on the message line."""
        ...

    @property
    def last_info(self) -> str | None:
        """The last result shown on the message line."""
        ...

    def reporting(self, what: str) -> AbstractContextManager[None]:
        """Run a block; a failed request in it is shown as ``what failed: ...``."""
        ...

    def show_error(self, text: str) -> None:
        """Show an error without losing the screen."""
        ...

    def show_info(self, text: str) -> None:
        """Show what an action achieved."""
        ...


def console_of(app: App[Any]) -> ConsoleContext:
    """The running console app as a screen sees it (:class:`ConsoleContext`)."""
    return cast("ConsoleContext", app)


__all__ = ["Clock", "ConsoleContext", "console_of"]
