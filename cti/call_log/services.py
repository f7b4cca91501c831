"""The call log writer: one call record per call, written when the call ends.

The CRM merges writes of a call strictly (an agent or queue already set may not change),
so the writer writes each call once, at ``CallEnded``, with everything the model and the
caller lookup know: queue, answering agent, member, times, wait and talk time, cause.
Abandoned calls carry the time they were queued, which makes the CRM mark them abandoned.
The CRM ties the notes, service requests and survey answers made during the call to the
record in the same write (``crm_core.calls.links``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm_core.calls.schemas import CallRecordView
from crm_core.errors import CrmError
from crm_core.wiring import Crm
from cti.bus.callers import Callers
from cti.bus.directory import AgentDirectory
from cti.model import AgentRinging, CallEnded, CallerQueued, DomainEvent

log = logging.getLogger(__name__)
UNKNOWN_CALLER = "unknown"


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
    ) -> None:
        self._crm = crm
        self._recording_of = recording_of
        self._callers = callers
        self._agents = agents
        self._marks: dict[str, _Marks] = {}
        self._tasks: set[asyncio.Task[CallRecordView | None]] = set()
        self._changed = asyncio.Event()
        self.records: dict[str, CallRecordView] = {}
        self.failures = 0
        self._surveyed: set[str] = set()

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: note queue and ring times, write the record at the end."""
        if isinstance(event, CallerQueued):
            marks = self._marks.setdefault(event.call_id, _Marks())
            marks.queued_at = marks.queued_at or event.at
        elif isinstance(event, AgentRinging):
            marks = self._marks.setdefault(event.call_id, _Marks())
            marks.ringing_at = marks.ringing_at or event.at
        elif isinstance(event, CallEnded):
            marks = self._marks.pop(event.call_id, _Marks())
            task = asyncio.get_running_loop().create_task(self.write(event, marks))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def survey_started(self, call_id: str) -> None:
        """The IVR started a survey on ``call_id``: tie its answers to the record when written."""
        self._surveyed.add(call_id)

    async def write(self, ended: CallEnded, marks: _Marks | None = None) -> CallRecordView | None:
        """Write the record of an ended call; ``None`` (logged) if the CRM refused it."""
        try:
            data = await self.record_of(ended, marks or _Marks())
            view = await self._crm.calls.record(data)
        except CrmError as error:
            self.failures += 1
            log.error("call record of %s not written: %s %s", ended.call_id, error, error.details)
            return None
        except Exception:
            self.failures += 1
            log.exception("call record of %s not written", ended.call_id)
            return None
        finally:
            self._callers.forget(ended.call_id)
        if ended.call_id in self._surveyed:
            await self._attach_surveys(ended.call_id)
        self.records[ended.call_id] = view
        self._changed.set()
        return view

    async def _attach_surveys(self, call_id: str) -> None:
        self._surveyed.discard(call_id)
        try:
            await self._crm.selfservice.attach_survey_calls(call_id)
        except Exception:  # the answers stay linked by the call's id in ivr_survey_calls
            log.exception("survey answers of %s not tied to the call record", call_id)

    async def record_of(self, ended: CallEnded, marks: _Marks) -> dict[str, Any]:
        """The ``crm.calls.record`` input for an ended call."""
        party = ended.dialled or ended.caller_number
        match = await self._callers.result(ended.call_id, party, ended.did)
        user = await self._agents.by_interface(ended.agent) if ended.agent else None
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
            "linked_id": ended.call_id,
            "direction": direction,
            "caller": ended.caller_number or UNKNOWN_CALLER,
            "called": ended.dialled or ended.did or None,
            "inbound_media": match.inbound_media,
            "queue": ended.queue,
            "agent_login": user.login if user is not None else None,
            "member_number": match.member_number,
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

    async def drain(self) -> None:
        """Wait for the writes in flight (service shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
