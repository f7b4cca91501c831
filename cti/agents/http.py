"""Agent routes: sign in/out of queues, pause/unpause, wrap-up — thin over the agent service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from crm_core.staff.schemas import UserView
from cti.agents.schemas import QUEUE_CHANGE, CallBody, PauseBody, QueuesBody, WrapUpBody
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import Caller, Route, Services
from cti.protocol import QueueChange


class AgentActions(Protocol):
    """What the routes call; the telephony service's agent service implements it."""

    async def sign_in(self, user: UserView, queues: Sequence[str] | None = None) -> list[str]:
        """Join queues; the queues joined."""
        ...

    async def sign_out(self, user: UserView, queues: Sequence[str] | None = None) -> list[str]:
        """Leave queues; the queues left."""
        ...

    async def pause(self, user: UserView, reason: str) -> None:
        """Pause in every queue."""
        ...

    async def unpause(self, user: UserView) -> None:
        """Unpause in every queue."""
        ...

    async def wrap_up(
        self, user: UserView, call_id: str, disposition: str, note: str | None = None
    ) -> Any:
        """Close a call with a disposition and end wrap-up."""
        ...

    async def opt_in_survey(self, user: UserView, call_id: str) -> None:
        """Send the caller of the agent's call to the post-call survey afterwards."""
        ...


async def _optional_queues(caller: Caller) -> list[str] | None:
    if not await caller.request.read():
        return None
    return (await json_body(caller.request, QueuesBody)).queues


def agent_routes(agents: AgentActions) -> tuple[Route, ...]:
    """``POST /api/agent/{signin,signout,pause,unpause,wrapup,survey}`` over ``agents``."""

    async def signin(_services: Services, caller: Caller) -> QueueChange:
        """Sign in to queues."""
        joined = await agents.sign_in(caller.staff, await _optional_queues(caller))
        return QueueChange(tuple(joined))

    async def signout(_services: Services, caller: Caller) -> QueueChange:
        """Sign out of queues."""
        left = await agents.sign_out(caller.staff, await _optional_queues(caller))
        return QueueChange(tuple(left))

    async def pause(_services: Services, caller: Caller) -> None:
        """Pause with a reason."""
        body = await json_body(caller.request, PauseBody)
        await agents.pause(caller.staff, body.reason)

    async def unpause(_services: Services, caller: Caller) -> None:
        """Unpause."""
        await agents.unpause(caller.staff)

    async def wrapup(_services: Services, caller: Caller) -> None:
        """Close the call with a disposition and end wrap-up."""
        body = await json_body(caller.request, WrapUpBody)
        await agents.wrap_up(caller.staff, body.call_id, body.disposition, body.note)

    async def survey(_services: Services, caller: Caller) -> None:
        """Opt the caller in to the post-call survey."""
        body = await json_body(caller.request, CallBody)
        await agents.opt_in_survey(caller.staff, body.call_id)

    bad = (400, 409, 503)
    return (
        Route("POST", "/api/agent/signin", signin, "Sign in to queues (default: your own)",
              roles=STAFF, body=QueuesBody, response=QUEUE_CHANGE, errors=(*bad, 403)),
        Route("POST", "/api/agent/signout", signout, "Sign out of queues (default: all)",
              roles=STAFF, body=QueuesBody, response=QUEUE_CHANGE, errors=bad),
        Route("POST", "/api/agent/pause", pause, "Pause with a reason", roles=STAFF,
              body=PauseBody, errors=bad),
        Route("POST", "/api/agent/unpause", unpause, "Unpause", roles=STAFF, errors=bad),
        Route("POST", "/api/agent/wrapup", wrapup, "Close a call with a disposition",
              roles=STAFF, body=WrapUpBody, errors=(*bad, 404, 422)),
        Route("POST", "/api/agent/survey", survey,
              "Opt the caller of your call in to the post-call survey", roles=STAFF,
              body=CallBody, errors=(*bad, 404)),
    )  # fmt: skip


__all__ = ["AgentActions", "agent_routes"]
