"""Tables of the points ledger: rules, accounts, lots, entries and lot consumptions.

Invariants (enforced by :mod:`crm_core.loyalty.ledger`, checked by the tests):
``account.valid == sum(lot.remaining) == sum(entry.points)`` and nothing is negative.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import DecimalText, UTCDateTime, string_enum, utcnow


class RuleKind(enum.StrEnum):
    """What a points rule applies to."""

    ORDER_AMOUNT = "order_amount"
    ORDER_LINE = "order_line"
    EVENT = "event"


class BonusEvent(enum.StrEnum):
    """Events that earn a fixed bonus."""

    REGISTRATION = "registration"
    REFERRAL = "referral"
    NEW_ORGANISATION_MEMBER = "new_organisation_member"


class Operation(enum.StrEnum):
    """What a ledger entry did; grants open a lot, the others consume lots."""

    EARN = "earn"
    BONUS = "bonus"
    GIFT = "gift"
    ADJUST = "adjust"
    REDEEM = "redeem"
    EXPIRE = "expire"


class Verification(enum.StrEnum):
    """How the member asking to spend points proved who they are, before an agent posts it."""

    IVR_PIN = "ivr_pin"  # the caller typed the PIN in the IVR on this call
    CARD_TAP = "card_tap"  # the member's active card was tapped at the operator's desk just now


class ApprovalStatus(enum.StrEnum):
    """Where a points change waiting for a supervisor stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=24)


class PointsRule(Base):
    """A rule (积分规则) with its validity window ``[valid_from, valid_to)``."""

    __tablename__ = "points_rules"
    __table_args__ = (
        CheckConstraint("offset_points >= 0", name="offset_not_negative"),
        CheckConstraint("threshold_cents IS NULL OR threshold_cents >= 0", name="threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RuleKind] = mapped_column(_enum(RuleKind, "rule_kind"))
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    threshold_cents: Mapped[int | None] = mapped_column(Integer)
    product_code: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[BonusEvent | None] = mapped_column(_enum(BonusEvent, "bonus_event"))
    multiplier: Mapped[Decimal] = mapped_column(DecimalText, default=Decimal(0))
    offset_points: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsAccount(Base):
    """A member's balances; its row is the lock every posting takes."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        CheckConstraint("valid >= 0", name="valid_not_negative"),
        CheckConstraint("cumulative >= 0", name="cumulative_not_negative"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    cumulative: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(Base):
    """One line of the ledger (积分明细); its idempotency key is unique."""

    __tablename__ = "points_entries"
    __table_args__ = (
        Index("ix_points_entries_member_created", "member_id", "created_at"),
        Index("ix_points_entries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operation: Mapped[Operation] = mapped_column(_enum(Operation, "points_operation"))
    points: Mapped[int] = mapped_column(Integer)
    valid_after: Mapped[int] = mapped_column(Integer)
    cumulative_after: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rules.id"))
    rule_detail: Mapped[str | None] = mapped_column(String(400))
    item: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(400))
    operator: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    level_at_posting: Mapped[int] = mapped_column(Integer)
    verification: Mapped[Verification | None] = mapped_column(_enum(Verification, "verification"))


class PointsLot(Base):
    """Points granted together, spent or expired soonest-expiring first."""

    __tablename__ = "points_lots"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= granted", name="remaining_range"),
        Index("ix_points_lots_member_open", "member_id", "expires_at"),
        Index("ix_points_lots_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"))
    granted: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LotConsumption(Base):
    """How many points of which lot a redeem, expire or negative adjustment took."""

    __tablename__ = "points_lot_consumptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lots.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)


class PointsApproval(Base):
    """A points change an agent asked for that waits for a supervisor; it mints nothing
    until approved, and is posted once (its key is the posting's key)."""

    __tablename__ = "points_approvals"
    __table_args__ = (
        Index("ix_points_approvals_status_requested", "status", "requested_at"),
        CheckConstraint("points <> 0", name="points_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    operation: Mapped[Operation] = mapped_column(_enum(Operation, "points_operation"))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(400))
    item: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    call_linked_id: Mapped[str | None] = mapped_column(String(64))
    verification: Mapped[Verification | None] = mapped_column(_enum(Verification, "verification"))
    needs: Mapped[str] = mapped_column(String(32))
    status: Mapped[ApprovalStatus] = mapped_column(_enum(ApprovalStatus, "approval_status"))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(400))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
