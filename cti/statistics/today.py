"""Today's figures per queue, live, on the reports' definitions (``cti.kpi``).

The live stint machine is fed by the queue_log lines the service reads as Asterisk
writes them (:mod:`cti.statistics.tailer`), not by AMI events: the same lines through
the same :class:`cti.kpi.StintBook` give exactly the figures a report of today gives
later, an exit is classified by its own line (``ABANDON``, ``EXITWITHTIMEOUT``…, where
AMI's ``QueueCallerAbandon`` is sent for all of them alike), and waits are the seconds
Asterisk wrote. The cost is the reading delay (``[stats] poll_seconds``, 1 s by default).

At start the book is filled from today's stored lines; then each read's lines are fed
after they are stored. A line fed twice (a file truncated and read again) is skipped.
"Today" is the site's day: at local midnight the book starts again, and a call that
entered before midnight counts in yesterday's figures, as in the reports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm_core.queue_log.services import QueueLogStore
from cti.kpi import (
    Blocked,
    QueueFigures,
    QueueLogError,
    QueueLogLine,
    QueueRules,
    Stint,
    StintBook,
    tally,
)
from cti.statistics.lines import read_back

log = logging.getLogger(__name__)
Listener = Callable[[Collection[str]], None]


def local_midnight(at: float, zone: ZoneInfo) -> float:
    """The epoch time of the local midnight that begins the day of ``at``."""
    local = datetime.fromtimestamp(at, UTC).astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0).timestamp()


class TodayBook:
    """Today's stints per queue, followed line by line; figures on demand."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        rules: Callable[[str], QueueRules],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._zone = zone
        self._rules = rules
        self._clock = clock
        self._listeners: list[Listener] = []
        self._begin(local_midnight(clock(), zone))

    def _begin(self, day_start: float) -> None:
        self.day_start = day_start
        self._book = StintBook()
        self._seen: set[str] = set()
        self._stints: dict[str, list[Stint]] = {}
        self._blocked: dict[str, list[Blocked]] = {}

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(queues)`` with the queues whose figures changed after each feed."""
        self._listeners.append(listener)

    async def load(self, store: QueueLogStore, server: str | None = None) -> None:
        """Fill the book with today's stored lines (of ``server``, or of every server)."""
        self._roll(self._clock())
        rows = await store.lines(since=self.day_start, until=self.day_start + 2 * 86400,
                                 server=server)  # fmt: skip
        self.feed(read_back(row) for row in rows)

    def feed(self, lines: Iterable[QueueLogLine]) -> set[str]:
        """Take lines in the order written; the queues whose figures changed (listeners
        are told). A line seen already today is skipped."""
        touched: set[str] = set()
        for line in lines:
            if line.time >= self.day_start + 86400 or self._clock() >= self.day_start + 86400:
                self._roll(max(line.time, self._clock()))
            if line.time < self.day_start - 86400:
                continue  # a day long gone: nothing of today
            text = line.as_text()
            if text in self._seen:
                continue
            self._seen.add(text)
            if self._take(line):
                touched.add(line.queue)
        if touched:
            for listener in self._listeners:
                listener(touched)
        return touched

    def _take(self, line: QueueLogLine) -> bool:
        """Feed one line to the book; whether it changed a stint of today."""
        before = len(self._book.stints)
        try:
            changed = self._book.feed(line)
        except QueueLogError as error:
            log.warning("queue_log: a line left out of today's figures: %s", error)
            return False
        for stint in self._book.stints[before:]:
            self._stints.setdefault(stint.queue, []).append(stint)
        if isinstance(changed, Blocked):
            if changed.at < self.day_start:
                return False
            self._blocked.setdefault(changed.queue, []).append(changed)
            return True
        return changed is not None and changed.entered_at >= self.day_start

    def _roll(self, at: float) -> None:
        """Start a new day when ``at`` is past the current one."""
        midnight = local_midnight(at, self._zone)
        if midnight > self.day_start:
            self._begin(midnight)

    def queues(self) -> list[str]:
        """The queues with a stint or a blocked call today."""
        return sorted(set(self._stints) | set(self._blocked))

    def figures(self, queue: str) -> QueueFigures:
        """``queue``'s figures today (all zero when it had no call)."""
        self._roll(self._clock())
        start = datetime.fromtimestamp(self.day_start, UTC).astimezone(self._zone)
        stints = [s for s in self._stints.get(queue, ()) if s.entered_at >= self.day_start]
        return tally(queue, start, stints, self._blocked.get(queue, ()), self._rules(queue))

    def stints(self) -> list[Stint]:
        """Every stint that entered today, in the order they began."""
        return [s for s in self._book.stints if s.entered_at >= self.day_start]


__all__ = ["TodayBook", "local_midnight"]
