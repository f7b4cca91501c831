"""Reading the queue_log rows Asterisk writes to a PostgreSQL table, as it writes them.

With extconfig.conf ``queue_log => pgsql,<db>,<table>`` Asterisk's logger inserts one row
per line (``time``, ``callid``, ``queuename``, ``agent``, ``event`` and ``data`` or
``data1``..``data5``; Asterisk's contrib schema adds a ``BIGSERIAL id``). Each read takes
the rows after the last id read, in id order, ``BATCH`` at a time, turns each into the
line Asterisk writes to the file for it (epoch seconds, fields joined by ``|``; a
malformed row is logged with its id and left out) and stores them through the same path
as the file's lines, with the last id as the position, in one transaction: a restart
resumes after that id, so no row is read twice and none is skipped.

Ids are given out at insert and become visible at commit. One Asterisk inserts its rows
one at a time on one connection, committing each (res_config_pgsql), so they appear in
id order. Writers that commit out of order (several servers on one table) are covered
for ``REREAD_IDS`` ids: each read also looks again at that many ids below the last and
stores the rows it had not seen (rows seen before a restart are skipped by the store).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from crm_core.queue_log.services import Position, QueueLogStore
from cti.kpi import QueueLogError, QueueLogLine, parse_line
from cti.statistics.lines import stored
from cti.statistics.polling import PolledReader, Step
from cti.statistics.stored import rebuild_stints

log = logging.getLogger(__name__)

BATCH = 2000
"""New rows stored per transaction at most (a backlog is taken in several)."""
REREAD_IDS = 256
"""Ids below the last one read that each read looks at again (late commits)."""
DATA_COLUMNS = ("data1", "data2", "data3", "data4", "data5")


class TableError(Exception):
    """The table cannot be read as a queue_log table (its columns)."""


@dataclass(frozen=True)
class TableShape:
    """The columns a read selects: ``data`` whole, or ``data1``..``data5``."""

    table: str
    split_data: bool

    def query(self) -> str:
        """The rows after an id (``$1``), in id order, ``$2`` at most."""
        data = ", ".join(DATA_COLUMNS) if self.split_data else "data"
        return (
            f"SELECT id, time, callid, queuename, agent, event, {data} "
            f"FROM {quoted(self.table)} WHERE id > $1 ORDER BY id LIMIT $2"
        )


def quoted(table: str) -> str:
    """``schema.table`` or ``table`` as a quoted SQL name (checked by the settings)."""
    return ".".join(f'"{part}"' for part in table.split("."))


async def table_shape(connection: asyncpg.Connection, table: str) -> TableShape:
    """How ``table`` keeps the data fields; :class:`TableError` when it has no id or
    neither data column form."""
    found = await connection.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) "
        "AND attnum > 0 AND NOT attisdropped",
        quoted(table),
    )
    columns = {row["attname"] for row in found}
    if not columns:
        raise TableError(f"queue_log table {table}: no such table")
    missing = {"id", "time", "callid", "queuename", "agent", "event"} - columns
    if missing:
        raise TableError(f"queue_log table {table}: no column {', '.join(sorted(missing))}")
    if set(DATA_COLUMNS) <= columns:
        return TableShape(table, split_data=True)
    if "data" in columns:
        return TableShape(table, split_data=False)
    raise TableError(f"queue_log table {table}: neither data nor data1..data5 columns")


def _epoch(value: object, zone: ZoneInfo) -> int:
    """Whole epoch seconds of a ``time`` value (a timestamp, or the text Asterisk wrote),
    read in ``zone`` unless it names its own: the file's resolution."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise QueueLogError(f"time is not a date and time: {text[:40]!r}") from None
    if not isinstance(value, datetime):
        raise QueueLogError("time is empty")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return int(value.timestamp())


def row_text(row: Any, zone: ZoneInfo, *, split_data: bool) -> str:
    """The line Asterisk writes to the file for ``row``; :class:`QueueLogError` when a
    column holds a ``|`` that would shift the fields, or the time is unreadable.

    Split data columns are joined and their empty tail dropped (the table cannot tell an
    empty last field from an absent one)."""
    columns = [row["callid"], row["queuename"], row["agent"], row["event"]]
    named = ["" if value is None else str(value) for value in columns]
    if any("|" in value for value in named):
        raise QueueLogError("a '|' inside the callid, queuename, agent or event column")
    if split_data:
        data = "|".join(row[name] or "" for name in DATA_COLUMNS).rstrip("|")
    else:
        data = row["data"] or ""
    return "|".join([str(_epoch(row["time"], zone)), *named, data])


class QueueLogTableSource(PolledReader):
    """Follows one server's queue_log table into the store (as the file's tailer does)."""

    task_name = "queue-log-table"
    failures = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TableError)

    def __init__(
        self,
        *,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        table: str,
        server: str,
        store: QueueLogStore,
        zone: ZoneInfo,
        poll_seconds: float = 1.0,
        on_lines: Callable[[Sequence[QueueLogLine]], object] = lambda _lines: None,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds, on_lines=on_lines)
        self._connect: Callable[[], Awaitable[asyncpg.Connection]] = connect
        """Opens an ``asyncpg`` connection to the database (the settings' URL)."""
        self.table = table
        self.server = server
        self.store = store
        self.zone = zone
        self.path = f"table:{table}"
        """The name the position is stored under."""
        self._connection: asyncpg.Connection | None = None
        self._shape: TableShape | None = None
        self._seen: set[int] | None = None

    async def stop(self) -> None:
        """Stop reading (a read in progress finishes its transaction first) and close."""
        await super().stop()
        await self._close()

    async def failed(self, error: Exception) -> None:
        """The table could not be read: said, and connected again at the next poll."""
        log.warning("queue_log table %s: %s", self.table, error)
        await self._close()

    async def _close(self) -> None:
        connection, self._connection, self._shape = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)

    async def read(self) -> Step:
        """Store every row not read yet, ``BATCH`` new rows per transaction."""
        if self._connection is None:
            self._connection = await self._connect()
            self._shape = await table_shape(self._connection, self.table)
        assert self._shape is not None
        saved = await self.store.position(self.server, self.path)
        last = saved.offset if saved is not None else 0
        top = await self._connection.fetchval(f"SELECT max(id) FROM {quoted(self.table)}")
        if top is not None and top < last:
            log.warning("queue_log table %s: its ids stop before %d, where reading stopped: "
                        "from the start", self.table, last)  # fmt: skip
            last, self._seen = 0, set()
        total = Step()
        while True:
            step, after, full = await self._read_batch(last)
            total = total + step
            last = after
            if not full:
                break
        self.steps += 1
        return total

    async def _read_batch(self, last: int) -> tuple[Step, int, bool]:
        """Store the unseen rows after ``last - REREAD_IDS`` (``BATCH`` at most); what was
        done, the last id now and whether more rows may follow."""
        assert self._connection is not None
        assert self._shape is not None
        limit = BATCH + REREAD_IDS
        rows = await self._connection.fetch(self._shape.query(), max(last - REREAD_IDS, 0), limit)
        first_read = self._seen is None
        seen = self._seen if self._seen is not None else set()
        taken = _up_to_batch(rows, seen)
        fresh = [row for row in taken if row["id"] not in seen]
        after = max([last, *(row["id"] for row in taken)])
        more = len(taken) < len(rows) or len(rows) == limit
        if not fresh and after == last:
            self._seen = seen
            return Step(), last, False
        read: list[tuple[int, QueueLogLine, str]] = []
        for row in fresh:
            text = self._text(row)
            line = _parsed(row["id"], text) if text is not None else None
            if line is not None:
                read.append((row["id"], line, text or ""))
        position = Position(self.path, 0, after)
        result = await self.store.add(
            self.server, [stored(line, text) for _id, line, text in read], position,
            rebuild_stints,
        )  # fmt: skip
        seen |= {row["id"] for row in fresh}
        self._seen = {seen_id for seen_id in seen if seen_id > after - REREAD_IDS}
        # Rows at or below the stored position at start may have been stored by the last
        # service: only rows after it are new to today's figures.
        self.on_lines([line for row_id, line, _ in read if not first_read or row_id > last])
        step = Step(result.added, result.already_stored, len(fresh) - len(read))
        return step, after, more

    def _text(self, row: Any) -> str | None:
        assert self._shape is not None
        try:
            return row_text(row, self.zone, split_data=self._shape.split_data)
        except QueueLogError as error:
            log.warning("queue_log table %s: row %d left out: %s", self.table, row["id"], error)
            return None


def _up_to_batch(rows: Sequence[Any], seen: set[int]) -> list[Any]:
    """``rows`` (in id order) up to the ``BATCH``-th one not in ``seen``."""
    taken: list[Any] = []
    unseen = 0
    for row in rows:
        if row["id"] not in seen:
            if unseen == BATCH:
                break
            unseen += 1
        taken.append(row)
    return taken


def _parsed(row_id: int, text: str) -> QueueLogLine | None:
    try:
        return parse_line(text)
    except QueueLogError as error:
        log.warning("queue_log table: row %d left out: %s", row_id, error)
        return None


__all__ = [
    "BATCH",
    "REREAD_IDS",
    "QueueLogTableSource",
    "TableError",
    "TableShape",
    "row_text",
    "table_shape",
]
