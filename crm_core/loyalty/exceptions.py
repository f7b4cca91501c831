"""Errors of the points ledger."""

from __future__ import annotations

from crm_core.errors import ConflictError, InvalidInputError


class InsufficientPointsError(InvalidInputError):
    """A redemption or negative adjustment larger than the valid balance."""

    error_id = "insufficient-points"


class IdempotencyConflictError(ConflictError):
    """An idempotency key reused with different content."""

    error_id = "idempotency-key-reused"


class OverlappingRuleError(InvalidInputError):
    """A rule that would apply to the same thing at the same time as another."""

    error_id = "overlapping-rules"


class InvalidPointsError(InvalidInputError):
    """Zero, negative or otherwise unusable points, reasons or operators."""

    error_id = "invalid-points"


class ApprovalDecidedError(ConflictError):
    """A points approval that was already approved or rejected."""

    error_id = "approval-already-decided"
