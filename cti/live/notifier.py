"""Console notices that are not pops: agent state changes and telephony online/offline."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from cti.ami import ConnectionStatus
from cti.bus.directory import AgentDirectory
from cti.http.pushes import SUPERVISOR_ROLES, Pushes
from cti.model import AgentStateChanged, DomainEvent
from cti.protocol import AgentState, TelephonyStatus, iso

log = logging.getLogger(__name__)


class ConsoleNotifier:
    """Sends ``agent_state`` to the agent and supervisors, ``telephony_status`` to everyone.

    Agent states go out in the order they happened, from one worker task.
    """

    def __init__(self, *, hub: Pushes, agents: AgentDirectory) -> None:
        self._hub = hub
        self._agents = agents
        self._pending: asyncio.Queue[AgentStateChanged] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: queue agent state changes."""
        if isinstance(event, AgentStateChanged):
            self._pending.put_nowait(event)

    def telephony_changed(self, status: ConnectionStatus, reason: str) -> None:
        """The AMI client's status listener: tell every console."""
        self._hub.broadcast(
            TelephonyStatus(online=status is ConnectionStatus.ONLINE, detail=reason)
        )

    async def start(self) -> None:
        """Start the worker that sends agent states."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._send_forever(), name="agent-state-notifier")

    async def stop(self) -> None:
        """Stop the worker; unsent states are dropped."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def agent_state_changed(self, event: AgentStateChanged) -> None:
        """Send one agent state change to its agent (if a user) and to supervisors."""
        user = await self._agents.by_interface(event.agent)
        message = AgentState(
            login=user.login if user is not None else event.agent,
            state=event.state.value,
            since=iso(event.at),
            reason=event.reason or None,
            queues=list(event.queues),
        )
        if user is not None:
            self._hub.send_to_user(user.login, message)
        self._hub.broadcast(message, roles=SUPERVISOR_ROLES)

    async def _send_forever(self) -> None:
        while True:
            event = await self._pending.get()
            try:
                await self.agent_state_changed(event)
            except Exception:
                log.exception("sending agent state %r failed", event)
