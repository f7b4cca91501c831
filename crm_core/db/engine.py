"""Engine and unit-of-work factory: SQLite (aiosqlite, WAL) by default, PostgreSQL by URL.

Reads are async sessions. Writes are plain synchronous functions over a SQLAlchemy
``Session`` handed to :meth:`Database.run_write`, which runs them as one transaction:

- on SQLite in one dedicated writer thread over the stdlib driver, starting with
  ``BEGIN IMMEDIATE`` — one thread hop per unit of work instead of one per statement
  (see notes/performance-facts.md), writers queue instead of failing half-way, and
  under load several units share one commit (:mod:`crm_core.db.writer`);
- on PostgreSQL through ``AsyncSession.run_sync`` on asyncpg; writers lock the rows
  they change (``FOR UPDATE``).

The same write code therefore runs unchanged on both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from crm_core.db.private import create_private_file, private_directory, warn_if_exposed
from crm_core.db.reader import SqliteReader
from crm_core.db.statements import StatementRunner
from crm_core.db.writer import SqliteWriter

SQLITE_BUSY_TIMEOUT_S = 30.0
T = TypeVar("T")


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def sqlite_files(path: Path) -> list[Path]:
    """The database file and the two SQLite keeps beside it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def prepare_sqlite_file(path: Path) -> None:
    """Create the database file (and its folder) for its owner alone before SQLite opens
    it: SQLite gives ``-wal`` and ``-shm`` the database's mode. Warn if others can read
    an existing one."""
    if not path.parent.exists():
        private_directory(path.parent)
    warn_if_exposed(sqlite_files(path), "the SQLite database file")
    create_private_file(path)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url`` with the pragmas and transaction rules described above."""
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None:
            prepare_sqlite_file(path)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
        )
        _install_sqlite_hooks(engine.sync_engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sync_sqlite_url(url: str) -> str:
    return make_url(url).set(drivername="sqlite").render_as_string(hide_password=False)


class Database:
    """Owns the engines; hands out read sessions and runs write units of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._readers = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writers = async_sessionmaker(self.engine, expire_on_commit=False)
        self._sync_engine: Engine | None = None
        self._writer: SqliteWriter | None = None
        self._reader: SqliteReader | None = None
        if self.is_sqlite:
            self._sync_engine = create_sync_engine(
                _sync_sqlite_url(url),
                echo=echo,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            )
            _install_sqlite_hooks(self._sync_engine)
            writer = self._sync_engine.execution_options(sqlite_begin="IMMEDIATE")
            database_file = str(_sqlite_file(url) or "")
            self._writer = SqliteWriter(writer, database_file=database_file)
            self._reader = SqliteReader(database_file, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; its transaction is rolled back at the end."""
        async with self._readers() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """An async session whose transaction commits at the end (schema set-up, tests)."""
        async with self._writers() as session, session.begin():
            yield session

    async def run_write(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` as one transaction: committed if it returns, rolled back if not.

        ``work`` must act on the database only and return its outcome: on SQLite it may
        run twice (see :mod:`crm_core.db.writer`).
        """
        if self._writer is not None:
            return await self._writer.run(work)
        async with self._writers() as async_session, async_session.begin():
            return await async_session.run_sync(work)

    async def run_statements(self, work: Callable[[StatementRunner], T]) -> T:
        """Run ``work`` with Core statements alone as one transaction (the ledger's path).

        Cheaper than :meth:`run_write` on SQLite: no ORM session is made. The same
        rules apply: ``work`` acts on the database only and may run twice.
        """
        if self._writer is not None:
            return await self._writer.run_statements(work)
        async with self.engine.begin() as connection:
            return await connection.run_sync(
                lambda sync_connection: work(StatementRunner(connection=sync_connection))
            )

    async def run_read(self, work: Callable[[StatementRunner], T]) -> T:
        """Run ``work`` with Core statements in one read-only snapshot (many-query reads)."""
        if self._reader is not None:
            return await self._reader.run(work)
        async with self.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync_connection: work(StatementRunner(connection=sync_connection))
            )

    async def dispose(self) -> None:
        """Close every pooled connection and the writer thread."""
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        if self._writer is not None:
            self._writer.close()
        if self._reader is not None:
            self._reader.close()
