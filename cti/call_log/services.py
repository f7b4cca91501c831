"""The call log writer: one call record per call, written when the call ends.

The CRM merges writes of a call strictly (an agent or queue already set may not change),
so the writer writes each call once, at ``CallEnded``, with everything the model and the
caller lookup know: queue, answering agent, member, times, wait and talk time, cause.
Abandoned calls carry the time they were queued, which makes the CRM mark them abandoned.
The CRM ties the notes, service requests and survey answers made during the call to the
record in the same write (``crm_core.calls.links``).

No record is dropped on a failed write. While the database fails (down, restarting,
unreachable) the writer tries again with back-off, as long as it takes. A record the
CRM refuses, or one still unwritten when the service stops, is parked in the CRM's
outbox (``crm_core.calls.outbox``), and :meth:`CallLogWriter.replay_parked` writes the
parked ones when the service starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm_core.calls.outbox import as_json
from crm_core.calls.schemas import CallRecordView
from crm_core.errors import CrmError
from crm_core.wiring import Crm
from cti.ami import Backoff
from cti.bus.bounded import remember
from cti.bus.callers import CallerMatch, Callers
from cti.bus.directory import AgentDirectory
from cti.model import AgentRinging, CallEnded, CallerQueued, DomainEvent

log = logging.getLogger(__name__)
UNKNOWN_CALLER = "unknown"
KEPT_RECORDS = 1000
"""How many written records the writer keeps for :meth:`CallLogWriter.wait_for`."""
OPEN_CALLS = 10_000
"""The most calls whose queue and ring times are kept until they end (the oldest go)."""
REPLAY_PAGE = 100


def utc(at: float | None) -> datetime | None:
    """Epoch seconds as an aware UTC datetime."""
    return None if at is None else datetime.fromtimestamp(at, UTC)


def seconds(value: float | None) -> int | None:
    """A duration rounded to whole seconds (``None`` stays unknown)."""
    return None if value is None else max(0, round(value))


@dataclass
class _Marks:
    """Times the model's ``CallEnded`` does not carry."""

    queued_at: float | None = None
    ringing_at: float | None = None


class CallLogWriter:
    """Listens to domain events and writes each ended call through ``crm.calls.record``."""

    def __init__(
        self,
        *,
        crm: Crm,
        callers: Callers,
        agents: AgentDirectory,
        recording_of: Callable[[str], str | None] = lambda _call_id: None,
        backoff: Backoff | None = None,
        server: Callable[[], str] = lambda: "",
    ) -> None:
        self._crm = crm
        self._server = server  # the Asterisk's systemname on an edge of several; "" alone
        self._recording_of = recording_of
        self._callers = callers
        self._agents = agents
        self._backoff = backoff or Backoff(initial=0.5, maximum=30.0)
        self._marks: OrderedDict[str, _Marks] = OrderedDict()
        self._tasks: set[asyncio.Task[CallRecordView | None]] = set()
        self._changed = asyncio.Event()
        self._stopping = asyncio.Event()
        self.records: OrderedDict[str, CallRecordView] = OrderedDict()
        """The last :data:`KEPT_RECORDS` records written, by call id."""
        self.pending: dict[str, CallEnded] = {}
        """Ended calls whose record is not written yet (retrying), by call id."""
        self.failures = 0
        self.parked = 0
        self._surveyed: OrderedDict[str, None] = OrderedDict()

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: note queue and ring times, write the record at the end."""
        if isinstance(event, CallerQueued):
            marks = self._marks_of(event.call_id)
            marks.queued_at = marks.queued_at or event.at
        elif isinstance(event, AgentRinging):
            marks = self._marks_of(event.call_id)
            marks.ringing_at = marks.ringing_at or event.at
        elif isinstance(event, CallEnded):
            marks = self._marks.pop(event.call_id, _Marks())
            self.pending[event.call_id] = event
            task = asyncio.get_running_loop().create_task(self.write(event, marks))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _marks_of(self, call_id: str) -> _Marks:
        marks = self._marks.get(call_id)
        if marks is None:
            marks = remember(self._marks, call_id, _Marks(), OPEN_CALLS)
        return marks

    def survey_started(self, call_id: str) -> None:
        """The IVR started a survey on ``call_id``: tie its answers to the record when written."""
        remember(self._surveyed, call_id, None, OPEN_CALLS)

    async def write(self, ended: CallEnded, marks: _Marks | None = None) -> CallRecordView | None:
        """Write the record of an ended call, trying again while the database fails.

        ``None`` (logged) when the record was parked in the outbox instead: the CRM
        refused it, or the service is stopping.
        """
        self.pending[ended.call_id] = ended
        try:
            view = await self._write_until_done(ended, marks or _Marks())
        finally:
            self.pending.pop(ended.call_id, None)
            self._callers.forget(ended.call_id)
            self._changed.set()
        if view is None:
            return None
        if ended.call_id in self._surveyed:
            await self._attach_surveys(ended.call_id)
        remember(self.records, ended.call_id, view, KEPT_RECORDS)
        self._changed.set()
        return view

    async def _write_until_done(self, ended: CallEnded, marks: _Marks) -> CallRecordView | None:
        data: dict[str, Any] | None = None
        attempt = 0
        while True:
            try:
                if data is None:
                    data = await self.record_of(ended, marks)
                return await self._crm.calls.record(data)
            except CrmError as error:
                self.failures += 1
                log.error("call record of %s refused: %s %s", ended.call_id, error, error.details)
                refused = data or self.bare_record_of(ended, marks)
                await self._park(ended.call_id, refused, f"{error.error_id}: {error}")
                return None
            except Exception as error:
                self.failures += 1
                if data is None:
                    self._callers.forget(ended.call_id)  # look the caller up afresh
                if self._stopping.is_set():
                    unwritten = data or self.bare_record_of(ended, marks)
                    await self._park(ended.call_id, unwritten, f"not written: {error!r}")
                    return None
                delay = self._backoff.delay(attempt)
                attempt += 1
                log.warning(
                    "call record of %s not written (attempt %d), trying again in %.1f s: %r",
                    ended.call_id, attempt, delay, error,
                )  # fmt: skip
                self._changed.set()
                await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less when the service starts stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)

    async def _park(self, call_id: str, data: dict[str, Any], reason: str) -> None:
        try:
            await self._crm.calls.park(data, reason)
        except Exception:
            # The last place the record exists: the log, as JSON an operator can replay.
            log.critical(
                "call record of %s could not be parked (%s); its data: %s",
                call_id, reason, json.dumps(as_json(data), sort_keys=True),
            )  # fmt: skip
            return
        self.parked += 1
        log.warning("call record of %s parked in the outbox: %s", call_id, reason)

    async def replay_parked(self) -> tuple[int, int]:
        """Write the records parked in the outbox; ``(written, still parked)``.

        A record the CRM refuses again stays parked with its attempt counted; a failing
        database ends the replay (the records stay parked for the next start).
        """
        written = kept = 0
        after_id = 0
        try:
            while page := await self._crm.calls.parked(after_id=after_id, limit=REPLAY_PAGE):
                for parked in page:
                    after_id = parked.id
                    try:
                        await self._crm.calls.deliver_parked(parked.id)
                        written += 1
                    except CrmError as error:
                        kept += 1
                        log.warning("parked call record %s still refused: %s", parked.id, error)
        except Exception:
            log.exception("replaying the parked call records stopped; they stay parked")
        if written or kept:
            log.info("parked call records: %d written, %d still parked", written, kept)
        return written, kept

    async def _attach_surveys(self, call_id: str) -> None:
        self._surveyed.pop(call_id, None)
        try:
            await self._crm.selfservice.attach_survey_calls(call_id)
        except Exception:  # the answers stay linked by the call's id in ivr_survey_calls
            log.exception("survey answers of %s not tied to the call record", call_id)

    async def record_of(self, ended: CallEnded, marks: _Marks) -> dict[str, Any]:
        """The ``crm.calls.record`` input for an ended call."""
        party = ended.dialled or ended.caller_number
        match = await self._callers.result(ended.call_id, party, ended.did)
        user = await self._agents.by_interface(ended.agent) if ended.agent else None
        return self._data(ended, marks, match, user.login if user is not None else None)

    def bare_record_of(self, ended: CallEnded, marks: _Marks) -> dict[str, Any]:
        """The record of an ended call from the model alone (no member, no agent login)."""
        return self._data(ended, marks, None, None)

    def _data(
        self, ended: CallEnded, marks: _Marks, match: CallerMatch | None, login: str | None
    ) -> dict[str, Any]:
        queued_at = marks.queued_at
        if queued_at is None and ended.queue is not None and ended.wait_time is not None:
            queued_at = (ended.answered_at or ended.at) - ended.wait_time
        if queued_at is not None:
            queued_at = max(queued_at, ended.started_at)
        ringing_at = marks.ringing_at
        if ringing_at is not None:
            ringing_at = max(ringing_at, queued_at or ended.started_at)
        if ended.dialled:
            direction = "outbound"
        else:
            direction = "inbound" if ended.did or ended.queue else "internal"
        return {
            "server": self._server(),
            "linked_id": ended.call_id,
            "direction": direction,
            "caller": ended.caller_number or UNKNOWN_CALLER,
            "called": ended.dialled or ended.did or None,
            "inbound_media": match.inbound_media if match is not None else None,
            "queue": ended.queue,
            "agent_login": login,
            "member_number": match.member_number if match is not None else None,
            "started_at": utc(ended.started_at),
            "queued_at": utc(queued_at),
            "ringing_at": utc(ringing_at),
            "answered_at": utc(ended.answered_at),
            "ended_at": utc(ended.at),
            "wait_seconds": seconds(ended.wait_time),
            "talk_seconds": seconds(ended.talk_time),
            "hold_seconds": seconds(ended.held_time),
            "hangup_cause": ended.cause if ended.cause is not None and ended.cause <= 127 else None,
            "hangup_cause_text": ended.cause_text or None,
            "recording_ref": self._recording_of(ended.call_id),
        }

    async def wait_for(self, call_id: str, within: float = 10.0) -> CallRecordView:
        """The record of ``call_id`` once written (tests and the demo)."""
        async with asyncio.timeout(within):
            while call_id not in self.records:
                self._changed.clear()
                await self._changed.wait()
        return self.records[call_id]

    async def wait_until(self, ready: Callable[[], bool], within: float = 10.0) -> None:
        """Return once ``ready()`` holds; checked after every write attempt (tests)."""
        async with asyncio.timeout(within):
            while not ready():
                self._changed.clear()
                await self._changed.wait()

    async def drain(self) -> None:
        """Service shutdown: one last try for each record in flight, then park the rest."""
        self._stopping.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
