"""Points approval routes: supervisors list the changes waiting, approve or reject them.

Both decisions are written to the supervisor audit trail with the approval; approving
posts the change once (a second decision is ``409 approval-already-decided``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from crm_core.loyalty.schemas import ApprovalView
from cti.http.auth import SUPERVISORS
from cti.http.errors import InvalidQueryError
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import Serialiser

APPROVAL_ID = re.compile(r"[0-9]{1,12}")


class RejectBody(RequestBody):
    """``{note}``: why the change is refused."""

    note: Annotated[Line, Field(max_length=300)]


@dataclass(frozen=True)
class PendingApprovals:
    """Points changes waiting for a supervisor, oldest first."""

    approvals: list[ApprovalView]


APPROVAL = Serialiser(ApprovalView, "PointsApproval")
PENDING = Serialiser(PendingApprovals, "PendingPointsApprovals")


def approval_id_of(caller: Caller) -> int:
    """The ``{approval_id}`` of the path: digits only, or a 400 naming it."""
    raw = caller.request.match_info["approval_id"]
    if not APPROVAL_ID.fullmatch(raw):
        raise InvalidQueryError("approval_id: not a whole number", field="approval_id")
    return int(raw)


async def pending_approvals(services: Services, caller: Caller) -> PendingApprovals:
    """The changes waiting for a supervisor."""
    return PendingApprovals(await services.crm.approvals.pending())


async def approve(services: Services, caller: Caller) -> ApprovalView:
    """Post a waiting change; audited."""
    approval_id = approval_id_of(caller)
    return await services.crm.approvals.approve(approval_id, supervisor=caller.staff.login)


async def reject(services: Services, caller: Caller) -> ApprovalView:
    """Refuse a waiting change; nothing is posted; audited with the note."""
    approval_id = approval_id_of(caller)
    body = await json_body(caller.request, RejectBody)
    return await services.crm.approvals.reject(
        approval_id, supervisor=caller.staff.login, note=body.note
    )


APPROVAL_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/points/approvals", pending_approvals,
          "Points changes waiting for a supervisor", roles=SUPERVISORS, response=PENDING),
    Route("POST", "/api/points/approvals/{approval_id}/approve", approve,
          "Approve a waiting points change: it is posted", roles=SUPERVISORS,
          response=APPROVAL, errors=(*BAD, 404, 409)),
    Route("POST", "/api/points/approvals/{approval_id}/reject", reject,
          "Reject a waiting points change", roles=SUPERVISORS, body=RejectBody,
          response=APPROVAL, errors=(*BAD, 404, 409)),
)  # fmt: skip

__all__ = ["APPROVAL_ROUTES", "PendingApprovals", "RejectBody"]
