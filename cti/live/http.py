"""Routes over the live telephony state: supervisors see everything, agents their queues."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Protocol

from crm_core.staff.schemas import UserView
from cti.http.auth import STAFF, SUPERVISORS
from cti.http.routes import Caller, Route, Services
from cti.http.serialisers import Serialiser
from cti.live.state import LiveState
from cti.protocol import AgentList, AgentState, CallList, CallUpdate, QueueList, QueueUpdate

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


class GatheredLiveState(Protocol):
    """Live state read with I/O: several Asterisks' views gathered and merged (the
    composition root hands a gateway's over the bus)."""

    async def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        """Counters of every queue visible."""
        ...

    async def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        """Agents signed in to a visible queue."""
        ...

    async def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        """Calls in progress in a visible queue."""
        ...


LIVE_PATHS = frozenset({("GET", "/api/queues"), ("GET", "/api/agents"), ("GET", "/api/calls")})
"""The live routes' (method, path)."""


def gathered_live_routes(views: GatheredLiveState) -> tuple[Route, ...]:
    """The live routes of :func:`live_routes` (same paths, shapes, visibility) over
    ``views``, for a gateway that shows every Asterisk's state."""

    async def queues(_services: Services, caller: Caller) -> QueueList:
        return QueueList(tuple(await views.queues(visible_queues(caller.staff))))

    async def agents(_services: Services, caller: Caller) -> AgentList:
        return AgentList(tuple(await views.agents(visible_queues(caller.staff))))

    async def calls(_services: Services, caller: Caller) -> CallList:
        return CallList(tuple(await views.calls(visible_queues(caller.staff))))

    return (
        Route("GET", "/api/queues", queues, "Live queue counters (every Asterisk's, merged)",
              roles=STAFF, response=QUEUE_LIST),
        Route("GET", "/api/agents", agents, "Live agent states (every Asterisk's)",
              roles=STAFF, response=AGENT_LIST),
        Route("GET", "/api/calls", calls, "Calls in progress (every Asterisk's)", roles=STAFF,
              response=CALL_LIST),
    )  # fmt: skip


__all__ = ["LIVE_PATHS", "GatheredLiveState", "gathered_live_routes", "live_routes",
           "visible_queues"]  # fmt: skip
