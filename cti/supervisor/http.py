"""Supervisor routes: spy (listen/whisper/barge), release, intercept, force sign-out or
pause of an agent, broadcast notices, and the audit trail of all of these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import Field

from crm_core.staff.schemas import UserView
from crm_core.supervision.services import AuditEntry
from cti.http.auth import SUPERVISORS
from cti.http.parsing import json_body, query_params
from cti.http.routes import Caller, Route, Services, on_call
from cti.http.schemas import DialBody, RequestBody
from cti.http.serialisers import Serialiser
from cti.supervisor.schemas import (
    NOTICE,
    SUPERVISOR_ACTION,
    NoticeBody,
    NoticeResult,
    SpyBody,
    SupervisorActionResult,
    SupervisorPauseBody,
)


class SupervisorActions(Protocol):
    """What the routes call; the service's supervisor service."""

    async def spy(
        self, supervisor: UserView, call_id: str, mode: str
    ) -> SupervisorActionResult: ...
    async def stop_spy(self, supervisor: UserView, call_id: str) -> SupervisorActionResult: ...
    async def release(self, supervisor: UserView, call_id: str) -> SupervisorActionResult: ...
    async def intercept(self, supervisor: UserView, call_id: str) -> SupervisorActionResult: ...
    async def sign_out_agent(self, supervisor: UserView, login: str) -> SupervisorActionResult: ...
    async def pause_agent(
        self, supervisor: UserView, login: str, reason: str
    ) -> SupervisorActionResult: ...
    async def call_back(
        self, supervisor: UserView, login: str, number: str
    ) -> SupervisorActionResult: ...
    async def notice(self, supervisor: UserView, text: str, queue: str | None) -> NoticeResult: ...


class AuditQuery(RequestBody):
    """Filters of the audit trail, newest first."""

    call_id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    supervisor: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    limit: int = Field(100, ge=1, le=1000)


@dataclass(frozen=True)
class AuditTrail:
    """Audited supervisor actions, newest first."""

    entries: list[AuditEntry]


AUDIT = Serialiser(AuditTrail, "AuditTrail")


def supervisor_routes(supervisor: SupervisorActions) -> tuple[Route, ...]:
    """``/api/supervisor/…`` over ``supervisor``."""

    async def spy(_services: Services, caller: Caller) -> SupervisorActionResult:
        """Listen, whisper or barge (ringing your phone); again to switch mode."""
        body = await json_body(caller.request, SpyBody)
        return await supervisor.spy(caller.staff, caller.request.match_info["id"], body.mode)

    async def signout(_services: Services, caller: Caller) -> SupervisorActionResult:
        """Force an agent out of every queue."""
        return await supervisor.sign_out_agent(caller.staff, caller.request.match_info["login"])

    async def pause(_services: Services, caller: Caller) -> SupervisorActionResult:
        """Pause an agent with a reason."""
        body = await json_body(caller.request, SupervisorPauseBody)
        return await supervisor.pause_agent(
            caller.staff, caller.request.match_info["login"], body.reason
        )

    async def call_back(_services: Services, caller: Caller) -> SupervisorActionResult:
        """Call a number back from an agent's phone: the agent's phone rings first."""
        body = await json_body(caller.request, DialBody)
        return await supervisor.call_back(
            caller.staff, caller.request.match_info["login"], body.number
        )

    async def notice(_services: Services, caller: Caller) -> NoticeResult:
        """Broadcast a notice to every console or one queue's agents."""
        body = await json_body(caller.request, NoticeBody)
        return await supervisor.notice(caller.staff, body.text, body.queue)

    async def audit(services: Services, caller: Caller) -> AuditTrail:
        """The audit trail of supervisor actions."""
        query = query_params(caller.request, AuditQuery)
        return AuditTrail(
            await services.crm.supervisor_audit.entries(
                call_id=query.call_id, supervisor=query.supervisor, limit=query.limit
            )
        )

    stop_spy = on_call("stop_spy", supervisor.stop_spy)
    release = on_call("release", supervisor.release)
    intercept = on_call("intercept", supervisor.intercept)
    live = (400, 404, 409, 503)
    calls = "/api/supervisor/calls/{id}"
    agents = "/api/supervisor/agents/{login}"
    return (
        Route("POST", f"{calls}/spy", spy, "Listen, whisper or barge on a call",
              roles=SUPERVISORS, body=SpyBody, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", f"{calls}/spy/stop", stop_spy, "Stop listening to a call",
              roles=SUPERVISORS, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", f"{calls}/release", release, "Force-release (hang up) a call",
              roles=SUPERVISORS, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", f"{calls}/intercept", intercept, "Take a call to your phone",
              roles=SUPERVISORS, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", f"{agents}/signout", signout, "Force an agent to sign out",
              roles=SUPERVISORS, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", f"{agents}/pause", pause, "Force an agent to pause",
              roles=SUPERVISORS, body=SupervisorPauseBody, response=SUPERVISOR_ACTION,
              errors=live),
        Route("POST", f"{agents}/dial", call_back, "Call a number back from an agent's phone",
              roles=SUPERVISORS, body=DialBody, response=SUPERVISOR_ACTION, errors=live),
        Route("POST", "/api/supervisor/notice", notice, "Broadcast a notice",
              roles=SUPERVISORS, body=NoticeBody, response=NOTICE, errors=(400,)),
        Route("GET", "/api/supervisor/audit", audit, "The supervisor audit trail",
              roles=SUPERVISORS, query=AuditQuery, response=AUDIT, errors=(400,)),
    )  # fmt: skip


__all__ = ["AuditQuery", "AuditTrail", "SupervisorActions", "supervisor_routes"]
