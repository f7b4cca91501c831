"""A SQLite reader thread for read paths that run several queries at once (the 360° view).

Each query through aiosqlite and SQLAlchemy's async layer pays a thread hop (~0.2–0.5 ms,
see notes/performance-facts.md). A read of many queries instead runs as one function on
this thread, over the driver connection, in one snapshot: one hop for the lot.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from crm_core.db.statements import StatementRunner

T = TypeVar("T")


class SqliteReader:
    """Runs read functions on a thread of its own with its own connection."""

    def __init__(self, database_file: str, *, busy_timeout_s: float) -> None:
        self._database_file = database_file
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._threads = ThreadPoolExecutor(1, thread_name_prefix="ctidesk-db-reader")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._database_file,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            connection.execute("PRAGMA query_only=ON")
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    def _run(self, work: Callable[[StatementRunner], T]) -> T:
        connection = self._connection()
        connection.execute("BEGIN")  # one snapshot for every query of the read
        try:
            return work(StatementRunner(driver=connection))
        finally:
            connection.execute("ROLLBACK")

    async def run(self, work: Callable[[StatementRunner], T]) -> T:
        """Run ``work`` in one read transaction on the reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, work)

    def close(self) -> None:
        """Stop the thread and close its connection."""
        self._threads.shutdown(wait=True)
        for connection in self._connections:
            connection.close()
