"""What every console screen shares: the console as a :class:`ConsoleContext`, and the frame.

Screens never import the app: they see it through :class:`ConsoleContext`, and live
changes reach them as :class:`LiveFeed` messages that the app hands on.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from agent_tui.context import ConsoleContext, console_of
from agent_tui.feed import LiveFeed
from agent_tui.keys import DeskView, KeyAction
from agent_tui.plain import plain
from agent_tui.screens.keys_help import KeysScreen
from agent_tui.widgets.status_bar import Banner, StatusBar, problem_of


def bindings_of(keys: Sequence[KeyAction], *, show: bool = True) -> list[BindingType]:
    """The Textual bindings of a key table (:mod:`agent_tui.keys`)."""
    return [Binding(key.key, key.action, key.description, show=show) for key in keys]


class ConsoleScreen(Screen[None]):
    """A full screen of the console."""

    KEYS: tuple[KeyAction, ...] = ()
    """The screen's key table (its bindings, key bar, ``?`` list and command palette)."""

    def keys_live_at(self) -> DeskView | None:
        """The desk the keys' liveness is read from (``None``: every key is live)."""
        return None

    def action_keys(self) -> None:
        """Every key of the screen, by group."""
        self.app.push_screen(KeysScreen(self.KEYS, self.keys_live_at()))

    @property
    def console(self) -> ConsoleContext:
        """The running console, as screens see it."""
        return console_of(self.app)


class FramedScreen(ConsoleScreen):
    """A screen with the status line, the connection banner and the message line.

    It redraws its parts from the live state when a :class:`LiveFeed` message says they
    changed; connection, telephony and notice changes redraw the frame here.
    """

    _composed = False

    def frame(self, status_id: str) -> ComposeResult:
        """The status line, the (hidden) connection banner and the message line."""
        yield StatusBar(id=status_id)
        yield Banner(id="banner")
        yield Static("", id="message", markup=False)

    def on_mount(self) -> None:
        """Draw the state as it is when the screen opens."""
        self._composed = True
        self.redraw()

    @property
    def drawable(self) -> bool:
        """Whether the widgets are there to draw on (composed, and the app not shutting down)."""
        return self._composed and self.app.is_running

    def status_line(self) -> Text:
        """The text of the status line (each screen says what it shows)."""
        raise NotImplementedError

    def draw_frame(self) -> None:
        """The status line, the connection banner and the message line of the screen."""
        if not self.drawable:
            return
        console = self.console
        self.query_one(StatusBar).update(self.status_line())
        self.query_one(Banner).show_problem(problem_of(console.desk))
        message = self.query_one("#message", Static)
        if console.last_error:
            message.update(plain(console.last_error, "bold red"))
        elif console.last_info:
            message.update(plain(console.last_info))

    def redraw(self) -> None:
        """Draw everything from the live state (on mount and after a resync)."""
        self.draw_frame()

    def redraw_timers(self) -> None:
        """Draw what moves with the clock (every tick); the status line by default."""
        self.draw_frame()

    def on_live_feed_connection_changed(self, _: LiveFeed.ConnectionChanged) -> None:
        """The banner says whether the service is reachable."""
        self.draw_frame()

    def on_live_feed_telephony_changed(self, _: LiveFeed.TelephonyChanged) -> None:
        """The status line and the banner say whether telephony is online."""
        self.draw_frame()

    def on_live_feed_notice_received(self, _: LiveFeed.NoticeReceived) -> None:
        """The status line shows the notice."""
        self.draw_frame()


__all__ = ["ConsoleScreen", "FramedScreen", "bindings_of"]
