"""Data objects the loyalty services take and return (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_core.loyalty.models import ApprovalStatus, BonusEvent, Operation, RuleKind, Verification


@dataclass(frozen=True)
class Posting:
    """The result of one ledger posting; ``replayed`` when the key had been seen."""

    entry_id: int
    member_number: str
    operation: Operation
    points: int
    valid_after: int
    cumulative_after: int
    created_at: datetime
    idempotency_key: str
    replayed: bool = False


@dataclass(frozen=True)
class ExpiringLot:
    """Points that will expire on a date."""

    points: int
    expires_at: datetime


@dataclass(frozen=True)
class PointsSummary:
    """A member's balances as the SPEC names them."""

    member_number: str
    valid: int
    cumulative: int
    expiring_soon: tuple[ExpiringLot, ...]


@dataclass(frozen=True)
class LedgerLine:
    """One row of the ledger query: date, operation, order, rule, points, balances, operator."""

    entry_id: int
    created_at: datetime
    member_number: str
    operation: Operation
    order_ref: str | None
    rule: str | None
    points: int
    valid_after: int
    cumulative_after: int
    operator: str
    reason: str | None
    item: str | None


@dataclass(frozen=True)
class PeriodFigures:
    """Points issued, redeemed and expired in one period (all as positive numbers)."""

    period: str
    issued: int
    redeemed: int
    expired: int
    adjusted_down: int


@dataclass(frozen=True)
class PointsStatistics:
    """Statistics over a date range: per period, per member level and the redemption mix."""

    periods: tuple[PeriodFigures, ...]
    by_level: dict[int, PeriodFigures]
    redemption_mix: dict[str, int]


@dataclass(frozen=True)
class ExpiryReport:
    """What one expiry run did."""

    lots: int
    points: int
    members: int


@dataclass(frozen=True)
class RuleView:
    """A points rule as shown to operators."""

    rule_id: int
    kind: RuleKind
    name: str
    valid_from: datetime
    valid_to: datetime | None
    threshold_cents: int | None
    product_code: str | None
    category: str | None
    event: BonusEvent | None
    multiplier: Decimal
    offset_points: int


@dataclass(frozen=True)
class InvariantProblem:
    """A member whose stored balances disagree with the lots or the ledger."""

    member_number: str
    account_valid: int
    lots_remaining: int
    entries_sum: int
    account_cumulative: int
    grants_minus_corrections: int


@dataclass(frozen=True)
class ApprovalView:
    """A points change kept for a supervisor, and what came of it."""

    approval_id: int
    member_number: str
    operation: Operation
    points: int
    reason: str | None
    item: str | None
    requested_by: str
    requested_at: datetime
    call_linked_id: str | None
    verification: Verification | None
    needs: str
    status: ApprovalStatus
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    entry_id: int | None


@dataclass(frozen=True)
class ChangeOutcome:
    """A change asked for by staff: posted (``posting``) or waiting (``approval``)."""

    posting: Posting | None = None
    approval: ApprovalView | None = None
    replayed: bool = False
