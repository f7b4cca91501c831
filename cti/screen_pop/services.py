"""Screen pop: when an agent's phone rings, push the caller's member to that agent's consoles.

The caller is looked up when the call joins a queue, so at ``AgentRinging`` (Asterisk's
``AgentCalled``) the pop usually goes out without touching the database. Agents with no
user record or no console open get nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from crm_core.staff.schemas import UserView
from cti.bus.callers import CallerMatch
from cti.bus.directory import AgentDirectory
from cti.bus.legs import CallLegs
from cti.http.auth import SUPERVISORS
from cti.http.pushes import Pushes
from cti.model import AgentRinging, CallEnded, CallerQueued, DomainEvent, OutboundAnswered
from cti.protocol import ScreenPop
from cti.screen_pop.lookup import CallerLookup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransferNote:
    """Who transferred a call and why: shown in the receiving agent's pop."""

    by: str
    note: str | None


def screen_pop_of(
    match: CallerMatch,
    call_id: str,
    caller: str,
    *,
    queue: str | None,
    direction: str,
    transfer: TransferNote | None,
) -> ScreenPop:
    """The pop of ``call_id`` from its caller match: the one shape pushed and served."""
    return ScreenPop(
        call_id=call_id,
        caller=caller,
        did=match.did,
        inbound_media=match.inbound_media,
        queue=queue,
        member=match.member,
        verified_in_ivr=match.verified_in_ivr,
        identified_in_ivr=match.identified_in_ivr,
        direction=direction,
        transferred_by=transfer.by if transfer is not None else None,
        note=transfer.note if transfer is not None else None,
    )


class ScreenPopService:
    """Listens to domain events; sends ``screen_pop`` messages through the hub."""

    def __init__(
        self, *, hub: Pushes, callers: CallerLookup, agents: AgentDirectory, legs: CallLegs
    ) -> None:
        self._hub = hub
        self._callers = callers
        self._agents = agents
        self._legs = legs
        self._tasks: set[asyncio.Task[int]] = set()
        self._transfers: dict[str, TransferNote] = {}
        self.sent = 0

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: start lookups and pops; never waits."""
        if isinstance(event, CallerQueued):
            self._callers.start(
                event.call_id, event.caller_number, event.did, event.verified_member
            )
        elif isinstance(event, AgentRinging):
            self._spawn(self.pop(event))
        elif isinstance(event, OutboundAnswered):
            self._spawn(self.pop_outbound(event))
        elif isinstance(event, CallEnded):
            # the call log forgets the lookup once it has written the record
            self._transfers.pop(event.call_id, None)

    def _spawn(self, work: Coroutine[Any, Any, int]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def note_transfer(self, call_id: str, *, by: str, note: str | None) -> None:
        """The call is being transferred by ``by``: the next pop of it says so."""
        self._transfers[call_id] = TransferNote(by, note)

    async def pop_transferred(self, call_id: str, caller: str, did: str, login: str) -> int:
        """Pop a call transferred straight to ``login``'s phone (no queue rings it)."""
        return await self._send(login, call_id, caller, did, queue=None, direction="inbound")

    async def pop_outbound(self, answered: OutboundAnswered) -> int:
        """The number an agent dialled answered: pop the callee like an inbound caller."""
        user = await self._agents.by_interface(answered.agent)
        if user is None:
            return 0
        return await self._send(
            user.login, answered.call_id, answered.number, "", queue=None, direction="outbound"
        )

    async def _send(
        self,
        login: str,
        call_id: str,
        caller: str,
        did: str,
        *,
        queue: str | None,
        direction: str,
        verified_member: str = "",
    ) -> int:
        if self._hub.connections_of(login) == 0:
            return 0
        match = await self._callers.result(call_id, caller, did, verified_member)
        transfer = self._transfers.get(call_id)
        message = screen_pop_of(
            match, call_id, caller, queue=queue, direction=direction, transfer=transfer
        )
        delivered = self._hub.send_to_user(login, message)
        self.sent += delivered
        log.debug("screen pop of %s to %s (%d consoles)", call_id, login, delivered)
        return delivered

    async def pop(self, ringing: AgentRinging) -> int:
        """Send the pop for ``ringing`` to the agent's consoles; how many consoles got it."""
        user = await self._agents.by_interface(ringing.agent)
        if user is None:
            return 0
        return await self._send(
            user.login,
            ringing.call_id,
            ringing.caller_number,
            ringing.did,
            queue=ringing.queue,
            direction="inbound",
            verified_member=ringing.verified_member,
        )

    async def pop_of(self, user: UserView, call_id: str) -> ScreenPop:
        """The pop of a live call ``user`` is on (any live call for a supervisor).

        Unknown calls are 404, ended ones 409, another agent's 403. The caller match is
        the one the pushed pop used (looked up once per call), so a console that missed
        the push (opened or reconnected after the ring) shows the same member.
        """
        call = self._legs.live(call_id)
        if user.role not in SUPERVISORS:
            self._legs.agent_leg(call, user.interface)
        if call.dialled:
            caller, did, direction = call.dialled, "", "outbound"
        else:
            caller, did, direction = call.caller_number, call.did, "inbound"
        match = await self._callers.result(call_id, caller, did)
        transfer = self._transfers.get(call_id)
        return screen_pop_of(
            match, call_id, caller, queue=call.queue, direction=direction, transfer=transfer
        )

    async def drain(self) -> None:
        """Wait for the pops in flight (service shutdown and tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
