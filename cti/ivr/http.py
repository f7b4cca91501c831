"""IVR routes: the callback tasks callers left after hours, for agents to work through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import AwareDatetime

from crm_core.errors import NotFoundError
from crm_core.selfservice.schemas import CallbackView
from cti.http.auth import STAFF
from cti.http.parsing import id_number, query_params
from cti.http.routes import Caller, Route, Services
from cti.http.schemas import RequestBody
from cti.http.serialisers import Serialiser


class CallbacksQuery(RequestBody):
    """``?due_by=``: callbacks due by this time (default: now)."""

    due_by: AwareDatetime | None = None


@dataclass(frozen=True)
class CallbackList:
    """Open callback tasks, oldest due first."""

    callbacks: list[CallbackView]


CALLBACK_LIST = Serialiser(CallbackList, "CallbackList")
CALLBACK = Serialiser(CallbackView, "Callback")


async def callbacks(services: Services, caller: Caller) -> CallbackList:
    """Callbacks due by ``due_by`` (voicemails left after hours)."""
    query = query_params(caller.request, CallbacksQuery)
    due_by = query.due_by or datetime.now(UTC)
    return CallbackList(await services.crm.selfservice.callbacks_due(due_by))


async def callback_done(services: Services, caller: Caller) -> CallbackView:
    """Mark a callback task done once the caller has been called back."""
    raw = caller.request.match_info["id"]
    task_id = id_number(raw)
    if task_id is None:
        raise NotFoundError(f"no callback task {raw!r}")
    return await services.crm.selfservice.complete_callback(task_id)


IVR_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/callbacks", callbacks, "Callback tasks from after-hours voicemails",
          roles=STAFF, response=CALLBACK_LIST, query=CallbacksQuery, errors=(400,)),
    Route("POST", "/api/callbacks/{id}/done", callback_done, "Mark a callback task done",
          roles=STAFF, response=CALLBACK, errors=(404, 409)),
)  # fmt: skip
