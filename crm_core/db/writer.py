"""The SQLite writer: one thread runs every write unit of work, committing in groups.

SQLite has one writer at a time, so queuing writes on one thread loses nothing. When
units of work arrive faster than they commit, the thread runs those waiting as one
transaction (group commit): one ``BEGIN IMMEDIATE … COMMIT`` and one thread hop are
shared by the group. If any unit of a group fails, the whole transaction rolls back
and every unit of the group runs again alone, so only the failing one fails (units of
work are functions of the database alone, so running one again is safe).

The writer's connection does not checkpoint the WAL itself (a checkpoint flushes to
disk and stalled one commit in a hundred by 4 ms): a checkpointer thread of its own
does passive checkpoints every few hundred commits or every second, beside the
writer rather than in its way.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from crm_core.db.statements import StatementRunner

T = TypeVar("T")
MAX_GROUP = 64
CHECKPOINT_EVERY_COMMITS = 500
CHECKPOINT_EVERY_S = 1.0

_STOP = object()


@dataclass(frozen=True)
class _Unit:
    """A queued unit of work: over a session, or over statements alone (no ORM)."""

    work: Callable[[Any], Any]
    future: Future[Any]
    statements_only: bool

    def run_in(self, session: Session) -> Any:
        return self.work(StatementRunner.of(session) if self.statements_only else session)


class SqliteWriter:
    """Runs write units of work on one thread, several per transaction under load."""

    def __init__(self, engine: Engine, *, database_file: str) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._checkpointer = _Checkpointer(database_file)
        self._queue: queue.SimpleQueue[_Unit | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="ctidesk-db-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a transaction (or as part of a group) and return it."""
        return await self._submit(work, statements_only=False)

    async def run_statements(self, work: Callable[[StatementRunner], T]) -> T:
        """Like :meth:`run` for work done with Core statements alone: when it runs by
        itself it skips the ORM session and SQLAlchemy's transaction handling."""
        return await self._submit(work, statements_only=True)

    async def _submit(self, work: Callable[[Any], T], *, statements_only: bool) -> T:
        future: Future[T] = Future()
        self._queue.put(_Unit(work, future, statements_only))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._checkpointer.close()

    def _writer_connection(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = self._engine.connect()
            self._connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            self._connection.commit()
        self._checkpointer.committing()
        return self._connection

    @contextmanager
    def _sessions(self) -> Iterator[Session]:
        """A session in a new transaction on the writer's own connection, kept open
        between transactions (a pool checkout per unit of work cost ~100 µs)."""
        connection = self._writer_connection()
        with connection.begin():
            session = Session(
                bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only"
            )
            try:
                yield session
                session.flush()
            finally:
                session.close()

    def _serve(self) -> None:
        try:
            self._serve_queue()
        finally:
            if self._connection is not None:
                self._connection.close()

    def _serve_queue(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Unit)
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                assert isinstance(item, _Unit)
                group.append(item)
            live = [unit for unit in group if unit.future.set_running_or_notify_cancel()]
            if len(live) == 1:
                self._transaction(live[0])
            elif live:
                self._together(live)
            if stop:
                return

    def _together(self, group: list[_Unit]) -> None:
        try:
            with self._sessions() as session:
                results = [unit.run_in(session) for unit in group]
        except Exception:
            # One unit failed (or the commit did): nothing of the group was written.
            # Run each alone, so only the failing one fails and its caller gets why.
            for unit in group:
                self._transaction(unit)
            return
        for unit, result in zip(group, results, strict=True):
            unit.future.set_result(result)

    def _transaction(self, unit: _Unit) -> None:
        try:
            if unit.statements_only:
                result = self._driver_transaction(unit.work)
            else:
                with self._sessions() as session:
                    result = unit.work(session)
        except BaseException as error:
            unit.future.set_exception(error)
        else:
            unit.future.set_result(result)

    def _driver_transaction(self, work: Callable[[StatementRunner], Any]) -> Any:
        driver = self._writer_connection().connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.execute("BEGIN IMMEDIATE")
        try:
            result = work(StatementRunner(driver=driver))
            driver.execute("COMMIT")
        except BaseException:
            if driver.in_transaction:
                driver.execute("ROLLBACK")
            raise
        return result


class _Checkpointer:
    """Passive WAL checkpoints on a connection and thread of their own."""

    def __init__(self, database_file: str) -> None:
        self._database_file = database_file
        self._commits = 0
        self._due = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._serve, name="ctidesk-db-checkpoint", daemon=True
        )
        self._thread.start()

    def committing(self) -> None:
        """Count a commit; wake the thread when enough have gone into the WAL."""
        self._commits += 1
        if self._commits >= CHECKPOINT_EVERY_COMMITS:
            self._commits = 0
            self._due.set()

    def close(self) -> None:
        """A last checkpoint, then stop."""
        self._stopping = True
        self._due.set()
        self._thread.join()

    def _serve(self) -> None:
        connection = sqlite3.connect(self._database_file, timeout=30, isolation_level=None)
        try:
            while not self._stopping:
                self._due.wait(CHECKPOINT_EVERY_S)
                self._due.clear()
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
