"""The agents a campaign's calls go to: the members of its queue, as the model sees them."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from cti.model import CallCentreModel
from cti.model.views import AgentStatus, AgentView


@dataclass
class AgentPool:
    """The campaign queue's members; ``ready`` are those a call could go to right now.

    An agent who is paused, signed out, ringing, talking or in wrap-up is not ready, so a
    pause or a sign-out stops the dialling for that agent at once (the runner is woken on
    every agent-state change).
    """

    model: CallCentreModel
    queue: str
    clock: Callable[[], float] = time.time

    def members(self) -> list[str]:
        """Interfaces of the queue's members who are signed in (in the queue at all)."""
        view = self.model.queue(self.queue, self.clock())
        return [member.interface for member in view.members] if view else []

    @property
    def size(self) -> int:
        """Agents signed in to the queue, paused or not."""
        return len(self.members())

    def unpaused(self) -> set[str]:
        """Interfaces of the members in the queue and not paused there."""
        view = self.model.queue(self.queue, self.clock())
        return {m.interface for m in view.members if not m.paused} if view else set()

    def views(self) -> list[AgentView]:
        """The model's view of each member (agents it has not seen yet are left out)."""
        now = self.clock()
        found = (self.model.agent(interface, now) for interface in self.members())
        return [agent for agent in found if agent is not None]

    def ready(self, *, exclude: Collection[str] = ()) -> list[str]:
        """Ready agents' interfaces, longest in the ready state first, less ``exclude``."""
        now = self.clock()
        agents = [self.model.agent(interface, now) for interface in self.members()]
        ready = [
            agent
            for agent in agents
            if agent is not None
            and agent.state is AgentStatus.READY
            and agent.interface not in exclude
        ]
        return [agent.interface for agent in sorted(ready, key=lambda agent: agent.since)]


__all__ = ["AgentPool"]
