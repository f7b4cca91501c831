"""Points routes: a member's ledger, and points given or redeemed by an agent.

Every change names its operator (the logged-in user) and carries the client's
idempotency key, so a retried request posts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from crm_core.loyalty.schemas import LedgerLine
from cti.crm.common import KEY, member_no_of
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import Serialiser


class PointsBody(RequestBody):
    """What every points change carries: a whole number of points and the client's key."""

    # strict: a JSON integer only; "100", true and 100.0 are refused, not converted
    points: int = Field(gt=0, le=1_000_000, strict=True)
    idempotency_key: str = Field(pattern=KEY)


class GrantBody(PointsBody):
    """``{points, reason, idempotency_key}``: points given by the agent (赠送)."""

    reason: Annotated[Line, Field(max_length=200)]


class RedeemBody(PointsBody):
    """``{points, item, idempotency_key}``: valid points spent on ``item`` (兑换)."""

    item: Annotated[Line, Field(max_length=200)]


@dataclass(frozen=True)
class PointsResult:
    """A points change and the balance after it."""

    member_number: str
    points: int
    valid: int
    cumulative: int


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
    services: Services, caller: Caller, body: GrantBody | RedeemBody
) -> PointsResult:
    """Post a grant or a redemption for the member of the path; the balance after."""
    number, login, key = member_no_of(caller), caller.staff.login, body.idempotency_key
    points = services.crm.points
    if isinstance(body, GrantBody):
        posting = await points.gift(
            number, body.points, reason=body.reason, operator=login, idempotency_key=key
        )
    else:
        posting = await points.redeem(
            number, body.points, item=body.item, operator=login, idempotency_key=key
        )
    summary = await services.crm.points.summary(number)
    return PointsResult(number, posting.points, summary.valid, summary.cumulative)


async def grant_points(services: Services, caller: Caller) -> PointsResult:
    """Give points to the member; the balance after."""
    return await _change_points(services, caller, await json_body(caller.request, GrantBody))


async def redeem_points(services: Services, caller: Caller) -> PointsResult:
    """Spend the member's valid points; the balance after."""
    return await _change_points(services, caller, await json_body(caller.request, RedeemBody))


POINTS_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/members/{member_no}/ledger", member_ledger, "A member's points ledger",
          roles=STAFF, response=LEDGER, errors=(404,)),
    Route("POST", "/api/members/{member_no}/points/grant", grant_points,
          "Give points; the balance after", roles=STAFF, body=GrantBody,
          response=POINTS_RESULT, errors=(*BAD, 404, 409)),
    Route("POST", "/api/members/{member_no}/points/redeem", redeem_points,
          "Redeem valid points; the balance after", roles=STAFF, body=RedeemBody,
          response=POINTS_RESULT, errors=(*BAD, 404, 409)),
)  # fmt: skip

__all__ = ["POINTS_ROUTES", "GrantBody", "Ledger", "PointsResult", "RedeemBody"]
