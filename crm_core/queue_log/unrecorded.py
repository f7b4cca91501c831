"""Calls in the stored queue_log lines that the call log has no record of.

A service writes each call's record when the call ends; calls that ended while no
service ran have none. At its start a service notes the last line of the server stored
so far (:meth:`UnrecordedCalls.begin`; kept in ``reconcile_after`` until
:meth:`UnrecordedCalls.done`, so a service that stops before it reconciled leaves it for
the next), reads the file up to now, then takes the lines of the calls that an ending
line stored after that mark concerns and that have no record
(:meth:`UnrecordedCalls.lines`). Marks are line ids, not times: the Asterisk server's
clock need not agree with the service's.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from crm_core.calls.models import CallLogOutbox, CallRecord
from crm_core.db.engine import Database
from crm_core.queue_log.models import QueueLogEntry, QueueLogPosition
from crm_core.queue_log.stints import IDS_PER_QUERY, CallLines, call_lines


class UnrecordedCalls:
    """Finds the calls of a server's stored lines that have no call record."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def begin(self, server: str, path: str) -> int | None:
        """The id of the last line of ``server`` stored before this start, kept until
        :meth:`done`; None when ``path`` was never read (nothing to reconcile)."""

        def work(session: Session) -> int | None:
            row = session.get(QueueLogPosition, (server, path), with_for_update=True)
            if row is None:
                return None
            if row.reconcile_after is None:
                last = select(func.max(QueueLogEntry.id)).where(QueueLogEntry.server == server)
                row.reconcile_after = session.scalar(last) or 0
            return row.reconcile_after

        return await self._db.run_write(work)

    async def done(self, server: str, path: str, after: int) -> None:
        """The calls ended by lines after ``after`` are reconciled: forget the mark."""

        def work(session: Session) -> None:
            row = session.get(QueueLogPosition, (server, path), with_for_update=True)
            if row is not None and row.reconcile_after == after:
                row.reconcile_after = None

        await self._db.run_write(work)

    async def lines(self, server: str, after: int, endings: Collection[str]) -> list[CallLines]:
        """Every stored line of the calls of ``server`` that a line of a verb in
        ``endings`` stored after line ``after`` concerns and that have no call record
        (nor one in the outbox), in the order written."""
        q = QueueLogEntry
        ended = (
            select(q.call_id)
            .where(q.server == server, q.id > after, q.event.in_(endings), q.call_id != "NONE")
            .where(~exists().where(CallRecord.linked_id == q.call_id))
            .where(~exists().where(CallLogOutbox.linked_id == q.call_id))
            .distinct()
        )
        async with self._db.read() as session:
            ids = list(await session.scalars(ended))
            lines: list[CallLines] = []
            for start in range(0, len(ids), IDS_PER_QUERY):
                chunk = ids[start : start + IDS_PER_QUERY]
                lines += await session.run_sync(call_lines, server, chunk)
        return sorted(lines, key=lambda line: line.time)  # stable: written order kept


__all__ = ["UnrecordedCalls"]
