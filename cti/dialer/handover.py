"""Handing answered callees to agents: who is free, and moving a callee to one.

A progressive campaign's agents take calls on their phones (the connect context dials
the phone within what is left of the 2 s); a predictive campaign's agents sit in their
own rooms (:mod:`cti.dialer.seats`) and a callee is moved into the room. Each call handed
over is *reserved* against one free agent until it is connected or ends, so two answered
callees never go to the same agent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cti.ami import AmiClient
from cti.dialer.actions import connect_by_dial, connect_to_room
from cti.dialer.pool import AgentPool
from cti.dialer.seats import Seats
from cti.model.views import AgentStatus, AgentView


@dataclass
class Handover:
    """The free agents of one campaign and the calls being handed to them."""

    client: AmiClient
    pool: AgentPool
    seats: Seats | None = None
    clock: Callable[[], float] = time.time
    seated: bool = False
    """Whether the campaign's callees go to seated agents (a predictive campaign)."""
    wrap_up_seconds: float = 0.0
    """The wrap-up of the campaign's queue: a seated agent's after each of its callees."""
    reserved: dict[str, str] = field(default_factory=dict)
    """Attempt id → the interface of the agent it is being handed to."""
    channels: dict[str, str] = field(default_factory=dict)
    """Attempt id → the callee's channel name (a Redirect needs it)."""

    def free(self) -> list[str]:
        """Interfaces of the agents a call answered now could go to."""
        taken = set(self.reserved.values())
        if self.seats is not None and self.seated:
            members = self.pool.unpaused()
            return [
                seat.interface
                for seat in self.seats.ready(self.clock())
                if seat.interface is not None
                and seat.interface in members
                and seat.interface not in taken
            ]
        return self.pool.ready(exclude=taken)

    def agents(self, now: float) -> list[AgentView]:
        """The campaign's agents as the pacer and the panel count them (not the paused)."""
        if self.seats is not None and self.seated:
            return self.seats.as_agents(self.pool.unpaused(), now)
        return self.pool.views()

    def agent_states(self) -> tuple[int, int, int]:
        """The campaign's agents now: ready, talking, wrapping up."""
        states = [agent.state for agent in self.agents(self.clock())]
        talking = (AgentStatus.ON_CALL, AgentStatus.RINGING)
        return (
            states.count(AgentStatus.READY),
            sum(state in talking for state in states),
            states.count(AgentStatus.WRAP_UP),
        )

    def waiting(self, answered: Iterable[str]) -> list[str]:
        """Of ``answered`` callees, those not yet being handed to an agent."""
        return [attempt_id for attempt_id in answered if attempt_id not in self.reserved]

    async def connect(self, answered: Iterable[str]) -> None:
        """Hand each waiting callee to a free agent, longest-free first."""
        for attempt_id in self.waiting(answered):
            free = self.free()
            channel = self.channels.get(attempt_id)
            if not free or channel is None:
                return
            self.reserved[attempt_id] = free[0]
            seat = self.seats.of_interface(free[0]) if self.seats and self.seated else None
            if seat is not None:
                seat.wrap_up_seconds = self.wrap_up_seconds
                await self.client.send(connect_to_room(channel, Seats.room_of(seat.login)))
                continue
            for action in connect_by_dial(channel, free[0]):
                await self.client.send(action)

    def connected(self, attempt_id: str) -> str | None:
        """The call reached its agent: free its reservation (returns the interface)."""
        return self.reserved.pop(attempt_id, None)

    def forget(self, attempt_id: str) -> None:
        """The call ended: nothing of it is kept."""
        self.channels.pop(attempt_id, None)
        self.reserved.pop(attempt_id, None)


__all__ = ["Handover"]
