"""Note routes: a note on a member, tied to the call it was taken on."""

from __future__ import annotations

from pydantic import Field

from crm_core.activities.schemas import ActivityView
from cti.crm.common import CallId, member_no_of
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import RequestBody
from cti.http.serialisers import Serialiser


class NoteBody(RequestBody):
    """``{text, call_id?}``: a note on the member, tied to the call (live or logged)."""

    text: str = Field(min_length=1, max_length=4000)
    call_id: CallId | None = None


ACTIVITY = Serialiser(ActivityView, "Activity")


async def add_note(services: Services, caller: Caller) -> ActivityView:
    """A note on the member (an activity of kind note), tied to its call if one is given.

    A live call is not in the call log yet: the note keeps its id and is tied to the
    call's record when the call ends.
    """
    body = await json_body(caller.request, NoteBody)
    note = {
        "member_number": member_no_of(caller),
        "kind": "note",
        "body": body.text,
        "call_linked_id": body.call_id,
        "channel": "phone" if body.call_id else None,
    }
    return await services.crm.activities.log(note, actor=caller.staff.login)


NOTE_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/members/{member_no}/notes", add_note, "Add a note to a member",
          roles=STAFF, body=NoteBody, response=ACTIVITY, errors=(*BAD, 404)),
)  # fmt: skip

__all__ = ["NOTE_ROUTES", "NoteBody"]
