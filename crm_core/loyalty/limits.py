"""How many points an agent may move alone, and what asks for a supervisor's approval.

Pure rules; :mod:`crm_core.loyalty.approvals` applies them inside the posting's
transaction. Supervisors and administrators have no limits; an agent's gift, adjustment
(up or down, counted by its size) or redemption above the per-operation limit, or that
would take the agent's total of that operation today (UTC) above the daily limit, waits
for a supervisor. So does an agent's redemption for a member who did not prove who they
are on the call (the PIN in the IVR: :class:`~crm_core.loyalty.models.Verification`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from crm_core.loyalty.models import Operation, Verification


@dataclass(frozen=True)
class OperationLimit:
    """The most points an agent may move in one operation, and in one day."""

    per_operation: int
    per_day: int


@dataclass(frozen=True)
class PointsLimits:
    """An agent's limits per kind of change (``[points]`` in the settings)."""

    grant: OperationLimit = field(default_factory=lambda: OperationLimit(1_000, 5_000))
    adjust: OperationLimit = field(default_factory=lambda: OperationLimit(1_000, 5_000))
    redeem: OperationLimit = field(default_factory=lambda: OperationLimit(5_000, 20_000))

    def of(self, operation: Operation) -> OperationLimit:
        """The limit of a gift, an adjustment or a redemption."""
        if operation is Operation.REDEEM:
            return self.redeem
        if operation is Operation.ADJUST:
            return self.adjust
        return self.grant


class ApprovalNeed(enum.StrEnum):
    """Why a change waits for a supervisor."""

    CALLER_NOT_VERIFIED = "caller-not-verified"
    OVER_OPERATION_LIMIT = "over-operation-limit"
    OVER_DAILY_LIMIT = "over-daily-limit"


def approval_need(
    operation: Operation,
    points: int,
    *,
    done_today: int,
    limits: PointsLimits,
    verification: Verification | None,
) -> ApprovalNeed | None:
    """Why an agent's change of ``points`` needs approval (``None``: the agent may post it).

    ``done_today`` is the size of the agent's changes of this operation posted today.
    """
    if operation is Operation.REDEEM and verification is None:
        return ApprovalNeed.CALLER_NOT_VERIFIED
    limit = limits.of(operation)
    if abs(points) > limit.per_operation:
        return ApprovalNeed.OVER_OPERATION_LIMIT
    if done_today + abs(points) > limit.per_day:
        return ApprovalNeed.OVER_DAILY_LIMIT
    return None
