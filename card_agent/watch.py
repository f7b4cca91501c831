"""``ctidesk cards watch``: the reader watcher and the service client put together.

Each card read becomes one tap request; every other event is a line of text, so whoever
watches the terminal (or the console's status line) knows what the readers are doing.
"""

from __future__ import annotations

from collections.abc import Callable

from card_agent.api import CardApi, TapRefused
from card_agent.events import CardRead, WatchEvent
from card_agent.pcsc import ReaderWatcher

Say = Callable[[str], None]


def tap_line(api: CardApi, event: CardRead) -> str:
    """Send ``event`` to the service; what happened, in words."""
    try:
        answer = api.tap(event.uid, event.reader)
    except TapRefused as error:
        return f"card {event.uid} on {event.reader} not popped: {error}"
    who = f"member {answer.member}" if answer.member else "no member"
    return (
        f"card {event.uid} on {event.reader}: {answer.status}, {who}, "
        f"popped on {answer.consoles} console(s)"
    )


def watcher_for(api: CardApi, say: Say, **timing: float) -> ReaderWatcher:
    """A watcher that pops each card read through ``api`` and says every event."""

    def report(event: WatchEvent) -> None:
        say(tap_line(api, event) if isinstance(event, CardRead) else event.text)

    return ReaderWatcher(report, **timing)


__all__ = ["tap_line", "watcher_for"]
