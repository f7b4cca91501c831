"""Wiring of the agents: sign-in, pause, wrap-up pacing and survey opt-in."""

from __future__ import annotations

from dataclasses import dataclass

from cti.agents.http import agent_routes
from cti.agents.services import AgentService
from cti.agents.wrapup import WrapupPacer
from cti.bus.wiring import Wiring


@dataclass(frozen=True)
class AgentsDomain:
    """The agents' own actions and the pacer that holds calls back during wrap-up."""

    service: AgentService
    wrapup: WrapupPacer


def load(wiring: Wiring) -> AgentsDomain:
    """Serve the agent routes; sign agents back in after an Asterisk restart; pace wrap-up."""
    service = AgentService(
        client=wiring.client, bridge=wiring.bridge, crm=wiring.crm, agents=wiring.agents
    )
    wiring.bridge.on_asterisk_restart(service.restore_sign_ins)
    wrapup = WrapupPacer(client=wiring.client, model=wiring.model)
    wiring.listen(wrapup)
    wiring.run(wrapup)
    wiring.add_routes(agent_routes(service))
    return AgentsDomain(service=service, wrapup=wrapup)


__all__ = ["AgentsDomain", "load"]
