"""The SQLite writer: one thread runs every write unit of work, committing in groups.

SQLite has one writer at a time, so queuing writes on one thread loses nothing. When
units of work arrive faster than they commit, the thread runs those waiting as one
transaction (group commit): one ``BEGIN IMMEDIATE … COMMIT`` and one thread hop are
shared by the group. If any unit of a group fails, the whole transaction rolls back
and every unit of the group runs again alone, so only the failing one fails (units of
work are functions of the database alone, so running one again is safe).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
MAX_GROUP = 64

_Work = tuple[Callable[[Session], Any], "Future[Any]"]
_STOP = object()


class SqliteWriter:
    """Runs write units of work on one thread, several per transaction under load."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._queue: queue.SimpleQueue[_Work | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="ctidesk-db-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a transaction (or savepoint of a group) and return it."""
        future: Future[T] = Future()
        self._queue.put((work, future))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group: list[_Work] = [first]  # type: ignore[list-item]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(item)  # type: ignore[arg-type]
            if len(group) == 1:
                self._alone(*group[0])
            else:
                self._together(group)
            if stop:
                return

    def _alone(self, work: Callable[[Session], Any], future: Future[Any]) -> None:
        if future.set_running_or_notify_cancel():
            self._transaction(work, future)

    def _together(self, group: list[_Work]) -> None:
        live = [(work, future) for work, future in group if future.set_running_or_notify_cancel()]
        try:
            with self._sessions() as session, session.begin():
                results = [work(session) for work, _ in live]
        except Exception:
            # One unit failed (or the commit did): nothing of the group was written.
            # Run each alone, so only the failing one fails and its caller gets why.
            for work, future in live:
                self._transaction(work, future)
            return
        for (_, future), result in zip(live, results, strict=True):
            future.set_result(result)

    def _transaction(self, work: Callable[[Session], Any], future: Future[Any]) -> None:
        try:
            with self._sessions() as session, session.begin():
                result = work(session)
        except BaseException as error:
            future.set_exception(error)
        else:
            future.set_result(result)
