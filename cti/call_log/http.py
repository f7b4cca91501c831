"""Call-log routes: the call records, filtered and paginated, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, Field, field_validator

from crm_core.calls.queries import decode_cursor
from crm_core.calls.schemas import CallPage
from crm_core.errors import InvalidInputError
from crm_core.staff.models import Role
from cti.http.auth import STAFF
from cti.http.parsing import query_params
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import RequestBody
from cti.http.serialisers import Serialiser

MAX_PAGE = 500
"""The most records one page holds."""


class CallRecordsQuery(RequestBody):
    """Filters of the call log, newest first; ``cursor`` is the previous page's next_cursor."""

    member_no: str | None = Field(None, max_length=32, description="member number")
    agent: str | None = Field(None, max_length=32, description="agent login")
    queue: str | None = Field(None, max_length=64)
    number: str | None = Field(None, max_length=64, description="caller or called number")
    since: Annotated[AwareDatetime | None, Field(alias="from")] = None
    until: Annotated[AwareDatetime | None, Field(alias="to")] = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=100)

    @field_validator("cursor")
    @classmethod
    def _a_cursor_of_this_log(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                decode_cursor(value)
            except InvalidInputError as error:
                raise ValueError(error.message) from None
        return value


CALL_PAGE = Serialiser(CallPage, "CallPage")


async def call_records(services: Services, caller: Caller) -> Any:
    """A page of the call log, newest first: for an agent, only their own calls and the
    calls of their queues; for supervisors and admins, every call."""
    query = query_params(caller.request, CallRecordsQuery)
    staff = caller.staff
    agent_view = staff.role is Role.AGENT
    return await services.crm.calls.search(
        {
            "seen_by_agent": staff.login if agent_view else None,
            "seen_in_queues": [m.queue for m in staff.queues] if agent_view else [],
            "member_number": query.member_no,
            "agent_login": query.agent,
            "queue": query.queue,
            "number": query.number,
            "since": query.since,
            "until": query.until,
            "limit": query.limit,
            "cursor": query.cursor,
        }
    )


CALL_LOG_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/call-records", call_records, "The call log, paginated, newest first",
          roles=STAFF, query=CallRecordsQuery, response=CALL_PAGE, errors=BAD),
)  # fmt: skip

__all__ = ["CALL_LOG_ROUTES", "CallRecordsQuery"]
