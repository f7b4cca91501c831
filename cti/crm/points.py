"""Points routes: a member's ledger, and points given, adjusted or redeemed by staff.

Every change names its operator (the logged-in user) and carries the client's
idempotency key, kept in that user's own key namespace, so a retried request posts once
and no key can block the ones the system derives. An agent's change above the ``[points]``
limits, or a redemption for a member who did not type the PIN in the IVR on the call
(``call_id``), is kept for a supervisor's approval (``status: pending``): it moves no
points until approved (see :mod:`cti.crm.approvals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator

from crm_core.loyalty.approvals import ChangeRequest
from crm_core.loyalty.models import Operation
from crm_core.loyalty.schemas import LedgerLine
from crm_core.staff.models import Role
from cti.crm.common import KEY, CallId, member_no_of
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import Serialiser

MAX_POINTS = 1_000_000
# strict: a JSON integer only; "100", true and 100.0 are refused, never converted
Points = Annotated[int, Field(gt=0, le=MAX_POINTS, strict=True)]


class ChangeBody(RequestBody):
    """What every points change carries: the client's key and the call, if any."""

    idempotency_key: str = Field(pattern=KEY)
    call_id: CallId | None = None
    """The call the member is on: a PIN the caller typed in the IVR on it verifies them."""


class GrantBody(ChangeBody):
    """``{points, reason, idempotency_key, call_id?}``: points given by the agent (赠送)."""

    points: Points
    reason: Annotated[Line, Field(max_length=200)]


class RedeemBody(ChangeBody):
    """``{points, item, idempotency_key, call_id?}``: valid points spent on ``item`` (兑换)."""

    points: Points
    item: Annotated[Line, Field(max_length=200)]


class AdjustBody(ChangeBody):
    """``{points, reason, idempotency_key, call_id?}``: a correction, up (+) or down (−)."""

    points: int = Field(ge=-MAX_POINTS, le=MAX_POINTS, strict=True)
    reason: Annotated[Line, Field(max_length=200)]

    @field_validator("points")
    @classmethod
    def _not_zero(cls, points: int) -> int:
        if points == 0:
            raise ValueError("an adjustment cannot be 0 points")
        return points


@dataclass(frozen=True)
class PointsResult:
    """A points change and the balances after it.

    ``status`` is ``posted``, or ``pending`` when it waits for a supervisor: then
    ``approval_id`` names the approval, ``needs`` says why, and the balances are unchanged
    (a retry of a change a supervisor has rejected says ``rejected``).
    """

    member_number: str
    points: int
    valid: int
    cumulative: int
    status: str = "posted"
    approval_id: int | None = None
    needs: str | None = None


@dataclass(frozen=True)
class Ledger:
    """A member's points ledger, newest first."""

    lines: list[LedgerLine]


POINTS_RESULT = Serialiser(PointsResult, "PointsResult")
LEDGER = Serialiser(Ledger, "Ledger")


async def member_ledger(services: Services, caller: Caller) -> Ledger:
    """The member's points ledger (积分明细), newest first."""
    number = member_no_of(caller)
    await services.crm.members.get(number)  # 404 for an unknown member
    return Ledger(await services.crm.reports.ledger(member_number=number, limit=200))


async def _change_points(
    services: Services,
    caller: Caller,
    operation: Operation,
    body: GrantBody | RedeemBody | AdjustBody,
) -> PointsResult:
    """Post a change for the member of the path, or keep it for approval; the balances."""
    number = member_no_of(caller)
    change = ChangeRequest(
        member_number=number,
        operation=operation,
        points=-body.points if operation is Operation.REDEEM else body.points,
        operator=caller.staff.login,
        idempotency_key=body.idempotency_key,
        reason=None if isinstance(body, RedeemBody) else body.reason,
        item=body.item if isinstance(body, RedeemBody) else None,
        call_linked_id=body.call_id,
    )
    outcome = await services.crm.approvals.request(change, limited=caller.staff.role is Role.AGENT)
    summary = await services.crm.points.summary(number)
    if outcome.approval is not None:
        approval = outcome.approval
        return PointsResult(
            number, approval.points, summary.valid, summary.cumulative,
            status=approval.status.value, approval_id=approval.approval_id, needs=approval.needs,
        )  # fmt: skip
    assert outcome.posting is not None
    return PointsResult(number, outcome.posting.points, summary.valid, summary.cumulative)


async def grant_points(services: Services, caller: Caller) -> PointsResult:
    """Give points to the member; the balances after."""
    body = await json_body(caller.request, GrantBody)
    return await _change_points(services, caller, Operation.GIFT, body)


async def adjust_points(services: Services, caller: Caller) -> PointsResult:
    """Correct the member's points up or down; the balances after."""
    body = await json_body(caller.request, AdjustBody)
    return await _change_points(services, caller, Operation.ADJUST, body)


async def redeem_points(services: Services, caller: Caller) -> PointsResult:
    """Spend the member's valid points; the balances after."""
    body = await json_body(caller.request, RedeemBody)
    return await _change_points(services, caller, Operation.REDEEM, body)


POINTS_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/members/{member_no}/ledger", member_ledger, "A member's points ledger",
          roles=STAFF, response=LEDGER, errors=(404,)),
    Route("POST", "/api/members/{member_no}/points/grant", grant_points,
          "Give points (an agent's above the limits waits for approval)", roles=STAFF,
          body=GrantBody, response=POINTS_RESULT, errors=(*BAD, 404, 409)),
    Route("POST", "/api/members/{member_no}/points/adjust", adjust_points,
          "Correct points up or down (an agent's above the limits waits for approval)",
          roles=STAFF, body=AdjustBody, response=POINTS_RESULT, errors=(*BAD, 404, 409)),
    Route("POST", "/api/members/{member_no}/points/redeem", redeem_points,
          "Redeem valid points (an agent's for an unverified caller waits for approval)",
          roles=STAFF, body=RedeemBody, response=POINTS_RESULT, errors=(*BAD, 404, 409)),
)  # fmt: skip

__all__ = [
    "POINTS_ROUTES", "AdjustBody", "GrantBody", "Ledger", "PointsResult", "RedeemBody",
]  # fmt: skip
