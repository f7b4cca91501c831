"""What the member services take (validated models) and return (frozen data objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_core.members.models import CardStatus, MemberKind

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CustomValue = str | int | float | bool | None


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class MemberFields(_Input):
    """Profile fields shared by creation and update."""

    name: str | None = Field(None, min_length=1, max_length=200)
    gender: Literal["female", "male", "other"] | None = None
    birthday: date | None = None
    phones: list[str] | None = Field(None, max_length=8, description="raw numbers")
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=400)
    province: str | None = Field(None, max_length=64)
    city: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=64)
    education: str | None = Field(None, max_length=64)
    income_band: str | None = Field(None, max_length=64)
    job_title: str | None = Field(None, max_length=100)
    employer: str | None = Field(None, max_length=200)
    language: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
    level: int | None = Field(None, ge=1, le=5)
    member_type: str | None = Field(None, max_length=32)
    owner: str | None = Field(None, max_length=64)
    customer_category: str | None = Field(None, max_length=64)
    purchase_intent: str | None = Field(None, max_length=200)
    product_interest: str | None = Field(None, max_length=200)
    custom_fields: dict[str, CustomValue] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value or None

    @field_validator("birthday")
    @classmethod
    def _birthday(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():
            raise ValueError("birthday must be between 1900-01-01 and today")
        return value


class MemberCreate(MemberFields):
    """A new member; ``referred_by`` is the referring member's number."""

    kind: MemberKind = MemberKind.INDIVIDUAL
    name: str = Field(min_length=1, max_length=200)
    external_ref: str | None = Field(None, max_length=64)
    referred_by: str | None = None


class MemberUpdate(MemberFields):
    """Changes to a member; only the fields given are changed."""


@dataclass(frozen=True)
class PhoneView:
    """A stored phone number."""

    e164: str
    label: str


@dataclass(frozen=True)
class MemberView:
    """A member's profile."""

    number: str
    kind: MemberKind
    name: str
    phones: tuple[PhoneView, ...]
    level: int
    member_type: str | None
    owner: str | None
    gender: str | None = None
    birthday: date | None = None
    email: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    region: str | None = None
    education: str | None = None
    income_band: str | None = None
    job_title: str | None = None
    employer: str | None = None
    language: str = "zh"
    customer_category: str | None = None
    purchase_intent: str | None = None
    product_interest: str | None = None
    external_ref: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class MemberBrief:
    """What a caller-number lookup returns: enough to pop, nothing more."""

    number: str
    name: str
    level: int
    member_type: str | None


@dataclass(frozen=True)
class ChangeView:
    """One entry of a member's change history."""

    field: str
    old_value: str | None
    new_value: str | None
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class CardView:
    """A member card and whom it belongs to."""

    card_number: str
    chip_uid: str
    card_type: str | None
    status: CardStatus
    member_number: str | None
    replaced_by: str | None
    issued_at: datetime
    status_changed_at: datetime
