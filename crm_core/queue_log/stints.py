"""Stored stints: kept beside the lines they come from, summed by the database for reports.

The statistics compute a call's stints from its lines (the definitions are theirs, passed
in as ``rebuild``); whenever a line of a call is stored, that call's stints are rebuilt
from all its stored lines in the same transaction, so they never disagree with the lines.
A report then asks for :class:`SlotTotals`: counts, sums and maxima per queue and quarter
hour, which add up into any longer period; they are kept summed as the stints change
(``crm_core.queue_log.totals``), and summed from the stints for a window that does not
begin and end on a quarter hour.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from operator import add
from typing import Any

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.queue_log import totals
from crm_core.queue_log.models import QueueLogEntry, QueueStint

SLOT = 900
"""Seconds of a stored stint's slot: a quarter hour."""
IDS_PER_QUERY = 500
STINTS = QueueStint.metadata.tables["queue_stints"]
OUTCOMES = ("answered", "abandoned", "timed_out", "key_exit", "exit_empty", "withdrawn", "failed")
REASONS = ("full", "empty", "closed", "divert")


@dataclass(frozen=True, slots=True)
class StintRow:
    """One stint (or blocked call) as stored."""

    call_id: str
    queue: str
    entered_at: float
    outcome: str | None
    blocked: str | None
    wait: int | None
    talk: int | None
    wrapup: int
    agent: str | None
    transferred: bool
    inferred: bool


@dataclass(frozen=True, slots=True)
class CallLines:
    """A stored line of a call, as the rebuild reads it."""

    time: float
    call_id: str
    queue: str
    agent: str
    event: str
    data: str


Rebuild = Callable[[Sequence[CallLines]], list[StintRow]]
"""A call's stints from all its lines, in the order written."""


def call_lines(session: Session, server: str, call_ids: Collection[str]) -> list[CallLines]:
    """The stored lines of ``call_ids`` of ``server`` in the order written (time, then the
    order stored). Sorted here: ordered by the database, SQLite would read every line of
    the server in time order rather than the calls' lines by their index."""
    q = QueueLogEntry
    query = select(q.time, q.id, q.call_id, q.queue, q.agent, q.event, q.data).where(
        q.server == server, q.call_id.in_(call_ids)
    )
    rows = sorted(session.execute(query), key=lambda row: (row[0], row[1]))
    return [CallLines(time, *rest) for time, _id, *rest in rows]


def restint(session: Session, server: str, call_ids: Collection[str], rebuild: Rebuild) -> None:
    """Rebuild the stored stints of ``call_ids`` of ``server`` from their stored lines, and
    the totals of the quarter hours they were and are in."""
    ids = sorted(call_ids)
    slots: set[int] = set()
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start : start + IDS_PER_QUERY]
        were = select(QueueStint.slot).where(
            QueueStint.server == server, QueueStint.call_id.in_(chunk)
        )
        slots.update(session.scalars(were))
        lines = call_lines(session, server, chunk)
        session.execute(
            delete(QueueStint).where(QueueStint.server == server, QueueStint.call_id.in_(chunk))
        )
        rows = [_row(server, stint) for stint in rebuild(lines)]
        if rows:
            session.execute(insert(STINTS), rows)  # core: one executemany, nulls and all
        slots.update(int(row["slot"]) for row in rows)
    totals.refresh(session, slots)


def _row(server: str, stint: StintRow) -> dict[str, Any]:
    return {
        "server": server, "call_id": stint.call_id, "queue": stint.queue,
        "entered_at": stint.entered_at, "slot": int(stint.entered_at // SLOT),
        "outcome": stint.outcome, "blocked": stint.blocked, "wait": stint.wait,
        "talk": stint.talk, "wrapup": stint.wrapup, "agent": stint.agent,
        "transferred": stint.transferred, "inferred": stint.inferred,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlotTotals:
    """The stints of one queue that entered in one quarter hour, summed."""

    queue: str
    slot: int
    offered: int
    outcomes: dict[str, int]
    blocked: dict[str, int]
    waits: int
    wait_sum: int
    wait_max: int | None
    answer_waits: int
    answer_wait_sum: int
    within: int
    shorts: int
    ended: int
    talk_sum: int
    handle_sum: int
    transfers: int
    asterisk_abandoned: int
    asterisk_within: int
    answered_by_wait: list[int]
    """Answered stints per wait bucket (``totals.WAIT_BOUNDS``, then the longer)."""
    abandoned_by_wait: list[int]
    """Abandoned stints per wait bucket."""


def _totals_columns(
    levels: dict[str, int], default_level: int, short_abandons: dict[str, int]
) -> list[Any]:
    """Per queue, slot, outcome and blocking reason: the sums a report needs."""
    s = QueueStint
    level: Any = case(levels, value=s.queue, else_=default_level) if levels else default_level
    short: Any = case(short_abandons, value=s.queue, else_=-1) if short_abandons else -1
    return [
        s.queue, s.slot, s.outcome, s.blocked, func.count(), func.count(s.wait),
        func.coalesce(func.sum(s.wait), 0), func.max(s.wait),
        func.sum(case((s.wait <= level, 1), else_=0)), func.sum(case((s.wait < short, 1), else_=0)),
        func.count(s.talk), func.coalesce(func.sum(s.talk), 0),
        func.coalesce(func.sum(s.talk + s.wrapup), 0),
        func.sum(case((s.transferred.is_(True), 1), else_=0)), *totals.wait_buckets(s.wait),
    ]  # fmt: skip


def _fold(rows: Iterable[Sequence[Any]], asterisk_abandons: Collection[str]) -> list[SlotTotals]:
    """The groups of one queue and slot (one per outcome or reason) into its totals."""
    slots: dict[tuple[str, int], dict[str, Any]] = {}
    for queue, slot, outcome, blocked, n, waits, wait_sum, wait_max, within, short, *rest in rows:
        talks, talk_sum, handle_sum, transfers, *by_wait = map(int, rest)
        t = slots.setdefault((str(queue), int(slot)), {
            "offered": 0, "outcomes": dict.fromkeys(OUTCOMES, 0),
            "blocked": dict.fromkeys(REASONS, 0), "waits": 0, "wait_sum": 0, "wait_max": None,
            "answer_waits": 0, "answer_wait_sum": 0, "within": 0, "shorts": 0, "ended": 0,
            "talk_sum": 0, "handle_sum": 0, "transfers": 0, "asterisk_abandoned": 0,
            "asterisk_within": 0, "answered_by_wait": [0] * len(by_wait),
            "abandoned_by_wait": [0] * len(by_wait),
        })  # fmt: skip
        if blocked is not None:
            t["blocked"][blocked] += int(n)
            continue
        t["offered"] += int(n)
        t["waits"] += int(waits)
        t["wait_sum"] += int(wait_sum)
        if wait_max is not None:
            t["wait_max"] = max(t["wait_max"] or 0, int(wait_max))
        if outcome is None:
            continue
        t["outcomes"][outcome] += int(n)
        if outcome == "answered":
            t["answer_waits"] += int(waits)
            t["answer_wait_sum"] += int(wait_sum)
            t["within"] += int(within)
            t["ended"] += talks
            t["talk_sum"] += talk_sum
            t["handle_sum"] += handle_sum
            t["transfers"] += transfers
            t["answered_by_wait"] = list(map(add, t["answered_by_wait"], by_wait))
        elif outcome in asterisk_abandons:
            t["asterisk_abandoned"] += int(n)
            t["asterisk_within"] += int(within)
        if outcome == "abandoned":
            t["shorts"] += int(short)
            t["abandoned_by_wait"] = list(map(add, t["abandoned_by_wait"], by_wait))
    return [SlotTotals(queue, slot, **totals) for (queue, slot), totals in slots.items()]


class StintStore:
    """The ``queue_stints`` table, read as totals per queue and quarter hour."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def slot_totals(
        self,
        *,
        since: float,
        until: float,
        levels: dict[str, int],
        default_level: int,
        short_abandons: dict[str, int],
        asterisk_abandons: Collection[str],
        queue: str | None = None,
    ) -> list[SlotTotals]:
        """Totals of the stints (and blocked calls) with ``since <= entered_at < until``,
        per queue and quarter hour; ``levels`` the service level of each queue (else
        ``default_level``), ``short_abandons`` the short-abandon threshold of the queues
        that have one, ``asterisk_abandons`` the outcomes Asterisk counts as abandoned."""
        if since % SLOT == 0 and until % SLOT == 0:  # whole quarter hours: the totals
            async with self._db.read() as session:
                cached = await session.run_sync(
                    totals.slot_rows, first=int(since // SLOT), end=int(until // SLOT),
                    levels=levels, default_level=default_level,
                    short_abandons=short_abandons, queue=queue,
                )  # fmt: skip
            return _fold(cached, asterisk_abandons)
        s = QueueStint
        query = (
            select(*_totals_columns(levels, default_level, short_abandons))
            .where(s.slot >= int(since // SLOT), s.slot <= int(until // SLOT))
            .where(s.entered_at >= since, s.entered_at < until)
            .group_by(s.slot, s.queue, s.outcome, s.blocked)
        )
        if queue is not None:
            query = query.where(s.queue == queue)
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return _fold(rows, asterisk_abandons)

    async def queues(self, *, since: float, until: float) -> list[str]:
        """The queues with a stored stint in the quarter hours of ``[since, until)``."""
        first, end = int(since // SLOT), -int(-until // SLOT)
        async with self._db.read() as session:
            return await session.run_sync(totals.queues, first, end)

    async def rebuild_all(self, server: str, rebuild: Rebuild) -> int:
        """Rebuild every stored stint of ``server`` from its lines; the calls rebuilt."""
        async with self._db.read() as session:
            ids = await session.scalars(
                select(QueueLogEntry.call_id).distinct().where(QueueLogEntry.server == server)
            )
            call_ids = [call_id for call_id in ids if call_id != "NONE"]

        def work(session: Session) -> int:
            restint(session, server, call_ids, rebuild)
            return len(call_ids)

        return await self._db.run_write(work)


def touched_calls(call_ids: Iterable[str]) -> set[str]:
    """The calls whose stints a batch of lines may change (lines of no call change none)."""
    return {call_id for call_id in call_ids if call_id != "NONE"}


__all__ = [
    "IDS_PER_QUERY",
    "OUTCOMES",
    "REASONS",
    "SLOT",
    "CallLines",
    "Rebuild",
    "SlotTotals",
    "StintRow",
    "StintStore",
    "call_lines",
    "restint",
    "touched_calls",
]
