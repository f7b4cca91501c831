"""Storing queue_log lines and reading them back in the order Asterisk wrote them.

The lines come already checked (the service's statistics read them: ``cti.kpi``); each
call of :meth:`QueueLogStore.add` is one transaction, so a file is stored whole or not at
all, and a line already stored (same server, same text) is skipped, not doubled.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.queue_log.models import QueueLogEntry, QueueLogPosition
from crm_core.queue_log.stints import Rebuild, StintStore, restint, touched_calls
from crm_core.queue_log.unrecorded import UnrecordedCalls

SERVER_NAME = 64
CHUNK = 5000
"""Rows per INSERT statement."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """A checked queue_log line: its fields, and its text as written (for the digest)."""

    time: float
    call_id: str
    queue: str
    agent: str
    event: str
    data: str
    text: str


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading a server's queue_log file stands: its inode and the next byte."""

    path: str
    inode: int
    offset: int


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What :meth:`QueueLogStore.add` did: lines stored, lines already there."""

    added: int
    already_stored: int


def digest(server: str, text: str) -> str:
    """The identity of one line of one server."""
    return hashlib.sha1(f"{server}\n{text}".encode(), usedforsecurity=False).hexdigest()


def _row(server: str, line: LogLine) -> dict[str, object]:
    return {
        "server": server, "time": line.time, "call_id": line.call_id, "queue": line.queue,
        "agent": line.agent, "event": line.event, "data": line.data,
        "digest": digest(server, line.text),
    }  # fmt: skip


def _save_position(session: Session, server: str, position: Position, now: datetime) -> None:
    row = session.get(QueueLogPosition, (server, position.path), with_for_update=True)
    if row is None:
        session.add(
            QueueLogPosition(server=server, path=position.path, inode=position.inode,
                             offset=position.offset, updated_at=now)
        )  # fmt: skip
    else:
        row.inode, row.offset, row.updated_at = position.inode, position.offset, now


def _check_server(server: str) -> None:
    if (
        not server
        or len(server) > SERVER_NAME
        or not server.isprintable()
        or server != server.strip()
    ):
        raise InvalidInputError(f"server: {server!r} is not a server name", field="server")


class QueueLogStore:
    """The ``queue_log`` table: lines of every Asterisk server the service reads."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock
        self.stints = StintStore(db=db)
        """The stints computed from the lines (see :meth:`add`'s ``rebuild``)."""
        self.unrecorded = UnrecordedCalls(db=db)
        """The calls of the lines that the call log has no record of."""

    async def position(self, server: str, path: str) -> Position | None:
        """Where reading ``path`` of ``server`` stopped, if it was ever read."""
        async with self._db.read() as session:
            row = await session.get(QueueLogPosition, (server, path))
        return Position(row.path, row.inode, row.offset) if row is not None else None

    async def add(
        self,
        server: str,
        lines: Iterable[LogLine],
        position: Position | None = None,
        rebuild: Rebuild | None = None,
    ) -> StoreResult:
        """Store ``lines`` of ``server`` in one transaction; those already stored are skipped.

        ``lines`` is consumed in the database's worker as it is stored (a file may be read
        as it goes, with a progress bar), ``CHUNK`` rows per statement. ``position``, the
        file read up to after these lines, is saved in the same transaction; so are the
        stints of the calls the lines are about, rebuilt from all their stored lines by
        ``rebuild`` when given.
        """
        _check_server(server)

        def work(session: Session) -> StoreResult:
            count = (
                select(func.count())
                .select_from(QueueLogEntry)
                .where(QueueLogEntry.server == server)
            )
            before = session.scalar(count) or 0
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            table = QueueLogEntry.metadata.tables["queue_log"]  # core: one executemany a chunk
            insert = dialect.insert(table).on_conflict_do_nothing(index_elements=["digest"])
            total, source, calls = 0, iter(lines), set()
            while chunk := [_row(server, line) for line in itertools.islice(source, CHUNK)]:
                session.execute(insert, chunk)
                total += len(chunk)
                if rebuild is not None:
                    calls |= touched_calls(str(row["call_id"]) for row in chunk)
            if rebuild is not None:
                restint(session, server, calls, rebuild)
            added = (session.scalar(count) or 0) - before
            if position is not None:
                _save_position(session, server, position, self.clock())
            return StoreResult(added=added, already_stored=total - added)

        return await self._db.run_write(work)

    async def lines(
        self, *, since: float, until: float, server: str | None = None
    ) -> list[LogLine]:
        """The stored lines with ``since <= time < until`` (of one server, or all), in the
        order they were written (time, then the order they were stored)."""
        query = (
            select(QueueLogEntry)
            .where(QueueLogEntry.time >= since, QueueLogEntry.time < until)
            .order_by(QueueLogEntry.time, QueueLogEntry.id)
        )
        if server is not None:
            query = query.where(QueueLogEntry.server == server)
        async with self._db.read() as session:
            rows = (await session.scalars(query)).all()
        return [
            LogLine(row.time, row.call_id, row.queue, row.agent, row.event, row.data, "")
            for row in rows
        ]

    async def servers(self) -> list[str]:
        """The servers whose lines are stored."""
        async with self._db.read() as session:
            found = await session.scalars(select(QueueLogEntry.server).distinct())
            return sorted(found)


__all__ = ["CHUNK", "LogLine", "Position", "QueueLogStore", "StoreResult", "digest"]
