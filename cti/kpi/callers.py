"""The caller view's figures per period: calls, not stints (stdlib only).

A **call** is every stint of one call id (Asterisk's caller channel id), joined in the
order they entered (:func:`cti.kpi.calls`). A call that moved from one queue to another is
one call, counted in the period of its first ``ENTERQUEUE``; its outcome is its last
stint's, so a call that timed out of one queue and was answered in the next is answered.
Its wait is the sum of the waits its stints state (time spent in queues, not the dialplan
between them); **ASA** is the mean of that over answered calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cti.kpi.intervals import Interval, period_start
from cti.kpi.stints import CallView, Outcome


@dataclass(frozen=True, slots=True)
class CallerFigures:
    """The calls that began in one period (``start`` local to the report's zone).

    Its fields, in order, are the JSON contract of the calls report (docs/statistics.md):
    ``GET /api/stats/calls`` and ``ctidesk stats calls`` give them as they are.
    """

    start: datetime
    calls: int
    answered: int
    abandoned: int
    timed_out: int
    key_exits: int
    exit_empty: int
    withdrawn: int
    failed: int
    waiting: int
    moved: int
    """Calls that visited more than one queue."""
    stints: int
    answer_pct: float | None
    asa_s: float | None
    avg_wait_s: float | None
    max_wait_s: int | None
    talk_s: int


def call_wait(call: CallView) -> int | None:
    """Seconds the call waited in queues: the sum of its stints' stated waits (None: none)."""
    waits = [stint.wait for stint in call.stints if stint.wait is not None]
    return sum(waits) if waits else None


def _mean(values: list[int]) -> float | None:
    return None if not values else round(sum(values) / len(values), 2)


def caller_tally(start: datetime, group: Iterable[CallView]) -> CallerFigures:
    """The figures of the calls ``group`` (all of one period)."""
    every = list(group)
    count = {outcome: 0 for outcome in Outcome}
    waiting = 0
    for call in every:
        if call.outcome is None:
            waiting += 1
        else:
            count[call.outcome] += 1
    waits = [wait for call in every if (wait := call_wait(call)) is not None]
    answer_waits = [w for c in every if c.answered and (w := call_wait(c)) is not None]
    ended = len(every) - waiting
    return CallerFigures(
        start=start,
        calls=len(every),
        answered=count[Outcome.ANSWERED],
        abandoned=count[Outcome.ABANDONED],
        timed_out=count[Outcome.TIMED_OUT],
        key_exits=count[Outcome.KEY_EXIT],
        exit_empty=count[Outcome.EXIT_EMPTY],
        withdrawn=count[Outcome.WITHDRAWN],
        failed=count[Outcome.FAILED],
        waiting=waiting,
        moved=sum(1 for call in every if len({s.queue for s in call.stints}) > 1),
        stints=sum(len(call.stints) for call in every),
        answer_pct=None if ended <= 0 else round(100.0 * count[Outcome.ANSWERED] / ended, 2),
        asa_s=_mean(answer_waits),
        avg_wait_s=_mean(waits),
        max_wait_s=max(waits) if waits else None,
        talk_s=sum(stint.talk or 0 for call in every for stint in call.stints),
    )


def caller_figures(
    views: Iterable[CallView], *, interval: Interval, zone: ZoneInfo
) -> list[CallerFigures]:
    """The calls' figures per period of ``interval`` (empty periods left out), oldest first."""
    groups: dict[datetime, list[CallView]] = {}
    for call in views:
        groups.setdefault(period_start(call.stints[0].entered_at, interval, zone), []).append(call)
    return [caller_tally(start, groups[start]) for start in sorted(groups, key=datetime.timestamp)]


__all__ = ["CallerFigures", "call_wait", "caller_figures", "caller_tally"]
