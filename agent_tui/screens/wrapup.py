"""Wrap-up: a disposition code, a note, and the time spent in wrap-up so far."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.context import console_of
from agent_tui.desk_state import CallContext
from agent_tui.feed import LiveFeed
from agent_tui.plain import plain
from agent_tui.screens.dialogs import DIALOG_CSS
from agent_tui.widgets.status_bar import clock_text
from cti.protocol import WrapUpCode


class WrapUpScreen(ModalScreen[tuple[str, str] | None]):
    """Pick a disposition (Enter), type a note; the wrap-up timer runs at the top."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Later")]  # noqa: RUF012

    def __init__(self, call: CallContext, codes: Sequence[WrapUpCode]) -> None:
        super().__init__()
        self.call = call
        self.codes = codes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                plain(f"Wrap-up: {self.call.caller} ({self.call.member_name})"), classes="title"
            )
            yield Static("", id="wrapup-timer")
            yield Label("Note")
            yield Input(id="wrapup-note", placeholder="what was agreed")
            yield Label("Disposition (Enter to finish)")
            yield OptionList(
                *(Option(plain(f"{c.code}  {c.label}"), id=c.code) for c in self.codes),
                id="wrapup-codes",
                markup=False,
            )

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(OptionList).focus()

    def redraw(self) -> None:
        """The time since wrap-up began (the agent's state timer)."""
        if not self.app.is_running:
            return
        console = console_of(self.app)
        since = console.desk.since if console.desk.agent_state == "wrap_up" else None
        timer = clock_text((console.clock() - since).total_seconds()) if since else "--:--"
        self.query_one("#wrapup-timer", Static).update(f"In wrap-up {timer}")

    def redraw_timers(self) -> None:
        """The clock moved: the wrap-up timer."""
        self.redraw()

    def on_live_feed_agent_state_changed(self, _: LiveFeed.AgentStateChanged) -> None:
        """Wrap-up began (or ended): the timer starts from the agent's new state."""
        self.redraw()

    @on(Input.Submitted)
    def _note_done(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        note = self.query_one("#wrapup-note", Input).value.strip()
        self.dismiss((str(event.option.id), note))

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["WrapUpScreen"]
