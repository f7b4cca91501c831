"""Wiring of supervision: spy, release, intercept, force sign-out or pause, notices, audit."""

from __future__ import annotations

from cti.bus.wiring import Wiring
from cti.supervisor.http import supervisor_routes
from cti.supervisor.services import AgentPhones, Dialler, SupervisorService


def load(wiring: Wiring, *, dialler: Dialler, agents: AgentPhones) -> SupervisorService:
    """Serve the supervisor routes over the live calls and the agents' own actions."""
    supervisor = SupervisorService(
        client=wiring.client, legs=wiring.legs, dialler=dialler, agents=agents,
        crm=wiring.crm, hub=wiring.hub,
    )  # fmt: skip
    wiring.add_routes(supervisor_routes(supervisor))
    return supervisor


__all__ = ["load"]
