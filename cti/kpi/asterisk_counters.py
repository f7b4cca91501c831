"""Asterisk's own per-queue counters (``QueueParams``), recomputed from its queue_log
(stdlib only), so ``ctidesk stats verify`` can hold the two side by side.

These are Asterisk's definitions, not ours (docs/statistics.md says how they differ):
the counters start at the last ``QUEUESTART`` (Asterisk zeroes them when it starts);
**completed** counts answered calls once they end (a transfer ends one), **completed
within SL** those whose wait at connect was ≤ the queue's service level; **abandoned**
counts ``ABANDON``, ``EXITWITHTIMEOUT``, ``EXITEMPTY``, ``WITHDRAW`` and ``SYSCOMPAT``
(not a key exit), **abandoned within SL** those that waited ≤ the service level.
``ServicelevelPerf`` = completed within SL ÷ completed, ``ServicelevelPerf2`` =
(abandoned within SL + completed within SL) ÷ (abandoned + completed), in %.
(``Holdtime``/``TalkTime`` are moving averages and cannot be recomputed.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cti.kpi.queue_log import QueueLogLine
from cti.kpi.stints import ASTERISK_ABANDONS, StintBook


@dataclass(frozen=True, slots=True)
class AsteriskCounters:
    """One queue's counters as Asterisk keeps them."""

    queue: str
    completed: int
    abandoned: int
    completed_within_sl: int
    abandoned_within_sl: int

    @property
    def sl_perf(self) -> float:
        """``ServicelevelPerf``, in % (0 when nothing completed, as Asterisk shows it)."""
        return 0.0 if not self.completed else 100.0 * self.completed_within_sl / self.completed

    @property
    def sl_perf2(self) -> float:
        """``ServicelevelPerf2``, in % (0 when nothing counted, as Asterisk shows it)."""
        total = self.abandoned + self.completed
        within = self.abandoned_within_sl + self.completed_within_sl
        return 0.0 if not total else 100.0 * within / total


def since_start(lines: Iterable[QueueLogLine]) -> list[QueueLogLine]:
    """The lines after the last ``QUEUESTART`` (all of them when there is none)."""
    kept: list[QueueLogLine] = []
    for line in lines:
        if line.event == "QUEUESTART":
            kept.clear()
        else:
            kept.append(line)
    return kept


def asterisk_counters(
    lines: Iterable[QueueLogLine], service_level: Callable[[str], int]
) -> dict[str, AsteriskCounters]:
    """Each queue's counters from the lines since Asterisk last started."""
    book = StintBook().feed_all(since_start(lines))
    tallies: dict[str, list[int]] = {}
    for stint in book.stints:
        row = tallies.setdefault(stint.queue, [0, 0, 0, 0])
        level = service_level(stint.queue)
        within = stint.wait is not None and stint.wait <= level
        if stint.completed_by is not None:
            row[0] += 1
            row[2] += within
        elif stint.outcome in ASTERISK_ABANDONS:
            row[1] += 1
            row[3] += within
    return {queue: AsteriskCounters(queue, *counts) for queue, counts in sorted(tallies.items())}


__all__ = ["AsteriskCounters", "asterisk_counters", "since_start"]
