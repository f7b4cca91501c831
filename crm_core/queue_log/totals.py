"""Totals of the stored stints per queue, quarter hour and outcome, kept as stints change.

A month's report by 30 minutes over a million stints needs only their sums per queue and
quarter hour (about 3,000 slots a queue). ``queue_slot_totals`` keeps them: whenever a
call's stints are rebuilt, the slots they were and are in are summed again from the
stints in the same transaction (:func:`refresh`), so the totals never disagree with the
stints. Everything in them is independent of a report's thresholds but ``within``
(waits of at most :data:`BASE_LEVEL` seconds); a report with another service level for a
queue adds or takes away the stints whose wait lies between the two, and counts short
abandons (wait under S) from the stints: both read only the stints in that band, through
the index on (outcome, wait, slot, queue). The rows are those of the GROUP BY over the
stints, so both are folded alike (``crm_core.queue_log.stints``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from crm_core.queue_log.models import QueueSlotTotal, QueueStint

BASE_LEVEL = 20
"""The wait (seconds) ``within`` counts up to: the default service level."""
WAIT_BOUNDS = (10, 20, 30, 60, 120, 300)
"""The upper ends (seconds, included) of the wait buckets counted per row; one more bucket
holds the longer waits. The statistics' definition (``cti.kpi.figures.WAIT_BOUNDS``)."""
WAIT_COLUMNS = (*(f"waits_{bound}" for bound in WAIT_BOUNDS), "waits_longer")
SLOTS_PER_QUERY = 500
Row = tuple[Any, ...]
"""queue, slot, outcome, blocked, stints, waits, wait_sum, wait_max, within, short,
talks, talk_sum, handle_sum, transfers, then one count per wait bucket."""


def wait_buckets(wait: Any) -> list[Any]:
    """Per wait bucket, the SQL sum counting the rows whose ``wait`` lies in it."""
    lows = (-1, *WAIT_BOUNDS[:-1])
    sums = [func.sum(case((and_(wait > low, wait <= high), 1), else_=0))
            for low, high in zip(lows, WAIT_BOUNDS, strict=True)]  # fmt: skip
    return [*sums, func.sum(case((wait > WAIT_BOUNDS[-1], 1), else_=0))]


def _sums() -> Any:
    s = QueueStint
    return select(
        s.queue, s.slot, func.coalesce(s.outcome, ""), func.coalesce(s.blocked, ""),
        func.count(), func.count(s.wait), func.coalesce(func.sum(s.wait), 0), func.max(s.wait),
        func.sum(case((s.wait <= BASE_LEVEL, 1), else_=0)), func.count(s.talk),
        func.coalesce(func.sum(s.talk), 0), func.coalesce(func.sum(s.talk + s.wrapup), 0),
        func.sum(case((s.transferred.is_(True), 1), else_=0)), *wait_buckets(s.wait),
    ).group_by(s.queue, s.slot, s.outcome, s.blocked)  # fmt: skip


_COLUMNS = ("queue", "slot", "outcome", "blocked", "stints", "waits", "wait_sum", "wait_max",
            "within", "talks", "talk_sum", "handle_sum", "transfers", *WAIT_COLUMNS)  # fmt: skip


def refresh(session: Session, slots: Collection[int]) -> None:
    """Sum the stints of every queue in ``slots`` (quarter hours) again."""
    ordered = sorted(set(slots))
    for start in range(0, len(ordered), SLOTS_PER_QUERY):
        chunk = ordered[start : start + SLOTS_PER_QUERY]
        session.execute(delete(QueueSlotTotal).where(QueueSlotTotal.slot.in_(chunk)))
        sums = _sums().where(QueueStint.slot.in_(chunk))
        session.execute(insert(QueueSlotTotal).from_select(_COLUMNS, sums))


def _band(
    session: Session, first: int, end: int, queues: Collection[str], low: int, high: int
) -> Iterable[Row]:
    """(queue, slot, outcome, count) of the stints of ``queues`` that ended with a wait
    in ``(low, high]``."""
    s = QueueStint
    query = (
        select(s.queue, s.slot, s.outcome, func.count())
        .where(s.outcome.is_not(None), s.wait > low, s.wait <= high)
        .where(s.slot >= first, s.slot < end, s.queue.in_(queues))
        .group_by(s.queue, s.slot, s.outcome)
    )
    return session.execute(query).all()


def _shorts(
    session: Session, first: int, end: int, queues: Collection[str], under: int
) -> Iterable[Row]:
    """(queue, slot, count) of the abandons of ``queues`` with a wait under ``under``."""
    s = QueueStint
    query = (
        select(s.queue, s.slot, func.count())
        .where(s.outcome == "abandoned", s.wait < under)
        .where(s.slot >= first, s.slot < end, s.queue.in_(queues))
        .group_by(s.queue, s.slot)
    )
    return session.execute(query).all()


def _by_value(chosen: dict[str, int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for queue, value in chosen.items():
        grouped.setdefault(value, []).append(queue)
    return grouped


def slot_rows(
    session: Session,
    *,
    first: int,
    end: int,
    levels: dict[str, int],
    default_level: int,
    short_abandons: dict[str, int],
    queue: str | None = None,
) -> list[Row]:
    """The sums per queue, slot ``first`` ≤ slot < ``end``, outcome and blocking reason
    (None for ``""``), with ``within`` counted up to each queue's level and ``short``
    the abandons under its short-abandon threshold."""
    t = QueueSlotTotal
    query = select(*(getattr(t, name) for name in _COLUMNS)).where(t.slot >= first, t.slot < end)
    if queue is not None:
        query = query.where(t.queue == queue)
    cached = session.execute(query).all()
    queues = {row[0] for row in cached}
    moved: dict[tuple[str, int, str], int] = {}
    chosen = {q: levels.get(q, default_level) for q in queues}
    for level, group in _by_value({q: v for q, v in chosen.items() if v != BASE_LEVEL}).items():
        sign = 1 if level > BASE_LEVEL else -1
        low, high = min(level, BASE_LEVEL), max(level, BASE_LEVEL)
        for q, slot, outcome, count in _band(session, first, end, group, low, high):
            moved[q, slot, outcome] = sign * int(count)
    shorts: dict[tuple[str, int], int] = {}
    wanted = {q: v for q, v in short_abandons.items() if q in queues}
    for under, group in _by_value(wanted).items():
        for q, slot, count in _shorts(session, first, end, group, under):
            shorts[q, slot] = int(count)
    return [
        (q, slot, outcome or None, blocked or None, n, waits, wait_sum, wait_max,
         within + moved.get((q, slot, outcome), 0),
         shorts.get((q, slot), 0) if outcome == "abandoned" else 0, *rest)
        for q, slot, outcome, blocked, n, waits, wait_sum, wait_max, within, *rest in cached
    ]  # fmt: skip


def queues(session: Session, first: int, end: int) -> list[str]:
    """The queues with stints in slots ``first`` ≤ slot < ``end``."""
    t = QueueSlotTotal
    found = session.scalars(select(t.queue).distinct().where(t.slot >= first, t.slot < end))
    return sorted(found)


__all__ = [
    "BASE_LEVEL",
    "WAIT_BOUNDS",
    "WAIT_COLUMNS",
    "queues",
    "refresh",
    "slot_rows",
    "wait_buckets",
]
