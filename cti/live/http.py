"""Routes over the live telephony state: supervisors see everything, agents their queues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_core.staff.schemas import UserView
from cti.http.auth import STAFF, SUPERVISORS
from cti.http.routes import Caller, Route, Services
from cti.http.serialisers import Serialiser
from cti.live.state import LiveState
from cti.protocol import AgentList, CallList, QueueList

QUEUE_LIST = Serialiser(QueueList, "QueueList")
AGENT_LIST = Serialiser(AgentList, "AgentList")
CALL_LIST = Serialiser(CallList, "CallList")


def visible_queues(user: UserView) -> list[str] | None:
    """The queues ``user`` may watch: ``None`` (all) for supervisors and admins."""
    return None if user.role in SUPERVISORS else [membership.queue for membership in user.queues]


def live_routes(live_state: LiveState) -> tuple[Route, ...]:
    """``GET /api/queues``, ``/api/agents`` and ``/api/calls`` reading ``live_state``."""

    def reader(build: Callable[[UserView], Any], name: str) -> Any:
        async def handler(_services: Services, caller: Caller) -> Any:
            return build(caller.staff)

        handler.__name__ = name
        return handler

    queues = reader(
        lambda user: QueueList(tuple(live_state.queues(visible_queues(user)))), "queues"
    )
    agents = reader(
        lambda user: AgentList(tuple(live_state.agents(visible_queues(user)))), "agents"
    )
    calls = reader(lambda user: CallList(tuple(live_state.calls(visible_queues(user)))), "calls")
    return (
        Route("GET", "/api/queues", queues, "Live queue counters", roles=STAFF,
              response=QUEUE_LIST),
        Route("GET", "/api/agents", agents, "Live agent states", roles=STAFF,
              response=AGENT_LIST),
        Route("GET", "/api/calls", calls, "Calls in progress", roles=STAFF, response=CALL_LIST),
    )  # fmt: skip


__all__ = ["live_routes", "visible_queues"]
