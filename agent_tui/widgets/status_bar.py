"""The agent status bar and the banner for connection problems."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from agent_tui.desk_state import DeskState
from agent_tui.plain import plain

STATE_LABELS = {
    "signed_out": "Signed out",
    "ready": "Ready",
    "ringing": "Ringing",
    "on_call": "Busy",
    "wrap_up": "Wrap-up",
    "paused": "Paused",
}
STATE_STYLES = {
    "ready": "bold black on green",
    "ringing": "bold black on yellow",
    "on_call": "bold white on red",
    "wrap_up": "bold black on cyan",
    "paused": "bold white on magenta",
}


def clock_text(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour) of a duration, never negative."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def status_text(state: DeskState, *, extension: str | None, now: datetime) -> Text:
    """The status line: state and timer, extension, waiting callers, telephony, notice."""
    label = STATE_LABELS.get(state.agent_state, state.agent_state)
    if state.agent_state == "paused" and state.reason:
        label = f"{label}: {state.reason}"
    timer = clock_text((now - state.since).total_seconds()) if state.since else "--:--"
    line = Text()
    # Spaces end a run rather than start the next: SVG viewers drop a run's leading spaces.
    line.append(f" {label} {timer} ", STATE_STYLES.get(state.agent_state, "reverse"))
    line.append(f" Ext {extension or '-'} │ Queue: {state.waiting} waiting{_per_queue(state)} ")
    if state.telephony_online is False:
        line.append("│ ")
        line.append("Telephony OFFLINE ", "bold red")
    elif state.telephony_online:
        line.append("│ ")
        line.append("Telephony online ", "green")
    if state.notice:
        line.append("│ ")
        line.append(f"Notice: {state.notice}", "bold yellow")
    return line


def _per_queue(state: DeskState) -> str:
    """`` (hotline 3, vip 1)``: each of the agent's queues with callers waiting."""
    waiting = [
        f"{name} {queue.waiting}"
        for name, queue in sorted(state.queues.items())
        if name in state.my_queues and queue.waiting
    ]
    return f" ({', '.join(waiting)})" if len(state.my_queues) > 1 and waiting else ""


class StatusBar(Static):
    """One line at the top of every console screen."""

    DEFAULT_CSS = "StatusBar { height: 1; background: $panel; }"


class Banner(Static):
    """A red line while the service is unreachable or telephony is offline."""

    DEFAULT_CSS = """
    Banner { height: 1; background: $error; color: $text; text-style: bold; display: none; }
    Banner.-shown { display: block; }
    """

    def show_problem(self, problem: str | None) -> None:
        """Show ``problem``, or hide the banner for ``None``."""
        self.set_class(problem is not None, "-shown")
        self.update(plain(problem or ""))


def problem_of(state: DeskState) -> str | None:
    """The banner text for the connection and telephony state, if anything is wrong."""
    if state.session_ended:
        return " Session ended (logged out or expired): log in again to go on"
    if not state.connected:
        return " Service unreachable: reconnecting… (the screen is kept)"
    if state.telephony_online is False:
        return " Telephony offline: calls cannot be controlled until Asterisk is back"
    return None


__all__ = ["Banner", "StatusBar", "clock_text", "problem_of", "status_text"]
