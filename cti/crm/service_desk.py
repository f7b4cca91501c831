"""Service-request routes: open a request from the call (live or logged)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from crm_core.service_desk.views import RequestView
from cti.crm.common import MEMBER_NO, CallId
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import QUEUE_NAME, Line, RequestBody
from cti.http.serialisers import Serialiser


class ServiceRequestBody(RequestBody):
    """``{subject, request_type, member_number, description?, contact_phone?, call_id?}``."""

    subject: Annotated[Line, Field(max_length=200)]
    request_type: Literal["repair", "enquiry", "complaint", "suggestion", "exchange"]
    member_number: str = Field(pattern=MEMBER_NO)
    description: str | None = Field(None, max_length=4000)
    contact_phone: Annotated[Line, Field(max_length=32)] | None = None
    queue: str | None = Field(None, pattern=QUEUE_NAME)
    call_id: CallId | None = None


REQUEST = Serialiser(RequestView, "ServiceRequest")


async def open_request(services: Services, caller: Caller) -> RequestView:
    """Open a service request (prefilled by the console from the call, live or logged)."""
    body = await json_body(caller.request, ServiceRequestBody)
    data: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"call_id"})
    data["call_linked_id"] = body.call_id
    return await services.crm.service_desk.requests.open(data, actor=caller.staff.login)


SERVICE_REQUEST_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/service-requests", open_request, "Open a service request",
          roles=STAFF, body=ServiceRequestBody, response=REQUEST, errors=(*BAD, 404)),
)  # fmt: skip

__all__ = ["SERVICE_REQUEST_ROUTES", "ServiceRequestBody"]
