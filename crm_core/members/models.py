"""Tables of members, their phones, change history, cards and number sequences."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, string_enum, utcnow


class MemberKind(enum.StrEnum):
    """Individual members get ``I-`` numbers, organisations ``E-`` numbers."""

    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class CardStatus(enum.StrEnum):
    """Life cycle of a member card; only ``active`` cards identify a member."""

    ISSUED = "issued"
    ACTIVE = "active"
    LOST = "lost"
    REPLACED = "replaced"
    CANCELLED = "cancelled"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=16)


class NumberSequence(Base):
    """Last number handed out per member-number prefix."""

    __tablename__ = "number_sequences"

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class MemberType(Base):
    """A card type / member type, e.g. ``gold`` → "Gold card"."""

    __tablename__ = "member_types"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Member(Base):
    """A member (会员): a person or an organisation with a loyalty account."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[MemberKind] = mapped_column(_enum(MemberKind, "member_kind"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    gender: Mapped[str | None] = mapped_column(String(16))
    birthday: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(400))
    province: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    education: Mapped[str | None] = mapped_column(String(64))
    income_band: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="zh")
    #: The member's IANA time zone when known: outbound calls keep to its local hours.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=1)
    member_type: Mapped[str | None] = mapped_column(ForeignKey("member_types.code"))
    owner: Mapped[str | None] = mapped_column(String(64))
    customer_category: Mapped[str | None] = mapped_column(String(64))
    purchase_intent: Mapped[str | None] = mapped_column(String(200))
    product_interest: Mapped[str | None] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    phones: Mapped[list[MemberPhone]] = relationship(
        back_populates="member", order_by="MemberPhone.position", cascade="all, delete-orphan"
    )


class MemberPhone(Base):
    """One of a member's phone numbers, normalised to E.164 for lookup by caller number."""

    __tablename__ = "member_phones"
    __table_args__ = (
        UniqueConstraint("member_id", "e164", name="uq_member_phones_member_e164"),
        Index("ix_member_phones_e164", "e164"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(16), default="mobile")
    position: Mapped[int] = mapped_column(Integer, default=0)

    member: Mapped[Member] = relationship(back_populates="phones")


class MemberChange(Base):
    """One changed field of a member: what, from, to, who, when."""

    __tablename__ = "member_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(String(1000))
    new_value: Mapped[str | None] = mapped_column(String(1000))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberCard(Base):
    """A physical member card (会员卡): printed number plus the chip UID a reader sees."""

    __tablename__ = "member_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(32), unique=True)
    chip_uid: Mapped[str] = mapped_column(String(32), unique=True)
    card_type: Mapped[str | None] = mapped_column(ForeignKey("member_types.code"))
    status: Mapped[CardStatus] = mapped_column(_enum(CardStatus, "card_status"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("member_cards.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardEvent(Base):
    """One step in a card's life: issued, bound, lost, replaced, cancelled."""

    __tablename__ = "card_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("member_cards.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
