"""Preview routes: an agent's next lead, and dial / skip / call-back on it.

Agents act on their own leads only (another agent's is 403, an unknown attempt 404, an
ended one or one being dialled 409); a supervisor may read any lead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from crm_core.campaigns.schemas import CallbackView
from cti.dialer.preview import (
    PreviewDesk,
    PreviewDialled,
    PreviewLead,
    PreviewOffer,
    PreviewSkipped,
)
from cti.http.auth import STAFF
from cti.http.errors import InvalidBodyError
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import Serialiser


class NextBody(RequestBody):
    """``{campaign_id}``: the campaign to take the next lead from."""

    model_config = ConfigDict(strict=True)

    campaign_id: int = Field(ge=1, le=10**12)


class SkipBody(RequestBody):
    """``{reason}``: ``later`` (the lead goes back to the list) or ``not-needed`` (done)."""

    model_config = ConfigDict(strict=True)

    reason: Literal["later", "not-needed"]


class CallbackBody(RequestBody):
    """``{due_at, note?}``: when to call back (ISO 8601 with its UTC offset), and why."""

    model_config = ConfigDict(strict=True)

    due_at: str = Field(min_length=1, max_length=40, description="ISO 8601 with an offset")
    note: Annotated[Line, Field(max_length=400)] | None = None

    @field_validator("due_at")
    @classmethod
    def _iso_with_offset(cls, value: str) -> str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 time (e.g. 2026-03-02T15:00:00+08:00)") from None
        if moment.tzinfo is None:
            raise ValueError("give the time's UTC offset (e.g. +08:00 or Z)")
        return value

    @property
    def due(self) -> datetime:
        """The due time as an aware datetime."""
        return datetime.fromisoformat(self.due_at)


PREVIEW_OFFER = Serialiser(PreviewOffer, "PreviewOffer")
PREVIEW_LEAD = Serialiser(PreviewLead, "PreviewLead")
PREVIEW_DIALLED = Serialiser(PreviewDialled, "PreviewDialled")
PREVIEW_SKIPPED = Serialiser(PreviewSkipped, "PreviewSkipped")
CALLBACK = Serialiser(CallbackView, "CampaignCallback")


def attempt_id_of(caller: Caller) -> str:
    """The ``{attempt_id}`` of the path (the route's pattern makes it 32 hex digits)."""
    return caller.request.match_info["attempt_id"]


def preview_routes(desk: PreviewDesk) -> tuple[Route, ...]:
    """The routes over one preview desk."""

    async def next_lead(services: Services, caller: Caller) -> PreviewOffer:
        """The next lead for this agent: a due call-back first, then the campaign's next."""
        body = await json_body(caller.request, NextBody)
        return await desk.next(caller.staff, body.campaign_id)

    async def show(services: Services, caller: Caller) -> PreviewLead:
        """A claimed lead (the agent's own; a supervisor may read any)."""
        return await desk.show(caller.staff, attempt_id_of(caller))

    async def dial(services: Services, caller: Caller) -> PreviewDialled:
        """Ring the agent's phone, then the lead's number."""
        return await desk.dial(caller.staff, attempt_id_of(caller))

    async def skip(services: Services, caller: Caller) -> PreviewSkipped:
        """Give the lead back without dialling it."""
        body = await json_body(caller.request, SkipBody)
        return await desk.skip(caller.staff, attempt_id_of(caller), body.reason)

    async def call_back(services: Services, caller: Caller) -> CallbackView:
        """Schedule a call-back of the lead, owned by this agent."""
        body = await json_body(caller.request, CallbackBody)
        due = body.due
        if due <= desk.crm.campaigns.clock():
            problem = {"field": "due_at", "problem": "must be in the future"}
            raise InvalidBodyError("due_at: must be in the future", fields=[problem])
        return await desk.call_back(caller.staff, attempt_id_of(caller), due, body.note)

    one = "/api/preview/{attempt_id:[0-9a-f]{32}}"
    return (
        Route("POST", "/api/preview/next", next_lead, "The agent's next preview lead",
              roles=STAFF, body=NextBody, response=PREVIEW_OFFER, errors=(*BAD, 404, 409)),
        Route("GET", one, show, "A claimed preview lead",
              roles=STAFF, response=PREVIEW_LEAD, errors=(403, 404)),
        Route("POST", f"{one}/dial", dial, "Dial a preview lead: the agent's phone first",
              roles=STAFF, response=PREVIEW_DIALLED, errors=(403, 404, 409, 503)),
        Route("POST", f"{one}/skip", skip, "Give a preview lead back undialled",
              roles=STAFF, body=SkipBody, response=PREVIEW_SKIPPED,
              errors=(*BAD, 403, 404, 409)),
        Route("POST", f"{one}/callback", call_back, "Schedule a call-back of a lead",
              roles=STAFF, body=CallbackBody, response=CALLBACK, errors=(*BAD, 403, 404)),
    )  # fmt: skip


__all__ = ["CallbackBody", "NextBody", "SkipBody", "attempt_id_of", "preview_routes"]
