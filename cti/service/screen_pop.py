"""Screen pop: when an agent's phone rings, push the caller's member to that agent's consoles.

The caller is looked up when the call joins a queue, so at ``AgentRinging`` (Asterisk's
``AgentCalled``) the pop usually goes out without touching the database. Agents with no
user record or no console open get nothing.
"""

from __future__ import annotations

import asyncio
import logging

from cti.http.hub import WebSocketHub
from cti.model import AgentRinging, CallEnded, CallerQueued, DomainEvent
from cti.protocol import ScreenPop
from cti.service.callers import CallerLookup
from cti.service.users import AgentDirectory

log = logging.getLogger(__name__)


class ScreenPopService:
    """Listens to domain events; sends ``screen_pop`` messages through the hub."""

    def __init__(self, *, hub: WebSocketHub, callers: CallerLookup, agents: AgentDirectory) -> None:
        self._hub = hub
        self._callers = callers
        self._agents = agents
        self._tasks: set[asyncio.Task[int]] = set()
        self.sent = 0

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: start lookups and pops; never waits."""
        if isinstance(event, CallerQueued):
            self._callers.start(
                event.call_id, event.caller_number, event.did, event.verified_member
            )
        elif isinstance(event, AgentRinging):
            task = asyncio.get_running_loop().create_task(self.pop(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif isinstance(event, CallEnded):
            pass  # the call log forgets the lookup once it has written the record

    async def pop(self, ringing: AgentRinging) -> int:
        """Send the pop for ``ringing`` to the agent's consoles; how many consoles got it."""
        user = await self._agents.by_interface(ringing.agent)
        if user is None or self._hub.connections_of(user.login) == 0:
            return 0
        match = await self._callers.result(ringing.call_id, ringing.caller_number, ringing.did)
        message = ScreenPop(
            call_id=ringing.call_id,
            caller=ringing.caller_number,
            did=match.did,
            inbound_media=match.inbound_media,
            queue=ringing.queue,
            member=match.member,
            verified_in_ivr=match.verified_in_ivr,
        )
        delivered = self._hub.send_to_user(user.login, message)
        self.sent += delivered
        log.debug("screen pop of %s to %s (%d consoles)", ringing.call_id, user.login, delivered)
        return delivered

    async def drain(self) -> None:
        """Wait for the pops in flight (service shutdown and tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
