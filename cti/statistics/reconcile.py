"""Call records for the calls that ended while the service was down, from queue_log.

The call log gets a call's record from the service that saw it end. At start, once the
queue_log reader has read what Asterisk wrote meanwhile, the calls ended by the lines
read since (the previous service had not read them) that have no record get one made
from their lines,
marked ``reconciled``: caller, last queue, times, wait (summed over the queues), talk,
and the agent when the line names a ctidesk user's phone. A call still waiting or
talking gets none (the running service writes it when it ends); a record written live
later replaces a reconciled one; a call with a record, or one in the outbox, is left as
it is. It is done once per start; the mark of what is left to do is kept until it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from crm_core.errors import CrmError
from crm_core.wiring import Crm
from cti.kpi import CallView, Outcome, QueueLogError, QueueLogLine, StintBook, calls
from cti.kpi.callers import call_wait
from cti.kpi.stints import COMPLETIONS, EXITS

log = logging.getLogger(__name__)
ENDINGS = ("CONNECT", *COMPLETIONS, *EXITS)
"""The verbs a call's record waits for (one of them ends each stint)."""
UNKNOWN_CALLER = "unknown"


def ended_at(view: CallView) -> float | None:
    """When the call ended (its last stint's end), or None while it goes on."""
    last = view.stints[-1]
    if any(stint.outcome is None for stint in view.stints):
        return None
    if last.outcome is Outcome.ANSWERED:
        return last.completed_at
    return last.ended_at


def _utc(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, UTC)


def record_of(view: CallView, agent_login: str | None, server: str = "") -> dict[str, Any]:
    """The call log's record (``crm.calls`` input) of an ended call, from its stints, on
    Asterisk ``server`` (its systemname; "" on a single node)."""
    first, last = view.stints[0], view.stints[-1]
    answered = last.outcome is Outcome.ANSWERED
    return {
        "server": server,
        "linked_id": view.call_id,
        "direction": "inbound",
        "caller": first.caller or UNKNOWN_CALLER,
        "queue": last.queue,
        "agent_login": agent_login if answered else None,
        "started_at": _utc(first.entered_at),
        "queued_at": _utc(first.entered_at),
        "answered_at": _utc(last.ended_at) if answered else None,
        "ended_at": _utc(ended_at(view)),
        "wait_seconds": call_wait(view),
        "talk_seconds": sum(stint.talk or 0 for stint in view.stints),
    }


class QueueLogReader(Protocol):
    """What the reconciling needs of the queue_log reader (the file's or the table's)."""

    @property
    def server(self) -> str:
        """The Asterisk server the lines are stored under."""

    @property
    def path(self) -> object:
        """What the reader's position is stored under (as text)."""

    @property
    def caught_up(self) -> asyncio.Event:
        """Set once the reader's first read is over."""


class CallLogReconciler:
    """At start, once ``tailer`` caught up: records for the calls that ended meanwhile."""

    def __init__(
        self, *, crm: Crm, tailer: QueueLogReader, server: Callable[[], str] = lambda: ""
    ) -> None:
        self._crm = crm
        self._tailer = tailer
        self._server = server
        self._task: asyncio.Task[int] | None = None
        self.done = asyncio.Event()
        """Set when this start's reconciling is over (tests wait on it)."""
        self.reconciled = 0
        """Records made by this start."""

    async def start(self) -> None:
        """Note the last line the previous services stored (before this one reads), then
        reconcile in the background once the reader has caught up."""
        tailer = self._tailer
        after = await self._crm.queue_log.unrecorded.begin(tailer.server, str(tailer.path))
        if after is None:
            self.done.set()
            return
        self._task = asyncio.get_running_loop().create_task(self._run(after))

    async def stop(self) -> None:
        """Stop reconciling (what is left is done at the next start)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, after: int) -> int:
        try:
            await self._tailer.caught_up.wait()
            self.reconciled = await self.reconcile(after)
            tailer = self._tailer
            await self._crm.queue_log.unrecorded.done(tailer.server, str(tailer.path), after)
        except Exception:  # the mark stays: the next start does it again
            log.exception("call log: reconciling from queue_log stopped")
        finally:
            self.done.set()
        return self.reconciled

    async def reconcile(self, after: int) -> int:
        """Record the calls ended by a line stored after line ``after`` that have no
        record yet (and have ended: no stint still waiting or talking); the records made."""
        store = self._crm.queue_log.unrecorded
        rows = await store.lines(self._tailer.server, after, ENDINGS)
        book = StintBook()
        for row in rows:
            data = tuple(row.data.split("|")) if row.data else ()
            line = QueueLogLine(row.time, row.call_id, row.queue, row.agent, row.event, data)
            with contextlib.suppress(QueueLogError):  # left out of the stored stints too
                book.feed(line)
        made = 0
        for view in calls(book.stints):
            if ended_at(view) is None:
                continue
            try:
                made += await self._record(view) is not None
            except CrmError as error:
                log.error("call log: no reconciled record of %s: %s", view.call_id, error)
        if made:
            log.info("call log: %d calls that ended while the service was down recorded", made)
        return made

    async def _record(self, view: CallView) -> object:
        agent = view.stints[-1].agent
        login = None
        if agent:
            with contextlib.suppress(CrmError):
                user = await self._crm.users.user_by_interface(agent)
                login = user.login if user is not None else None
        return await self._crm.calls.reconcile(record_of(view, login, self._server()))


__all__ = ["ENDINGS", "CallLogReconciler", "QueueLogReader", "ended_at", "record_of"]
