"""Tables of activities on members (calls, SMS, e-mail, visits, notes) and message templates."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, utcnow


class ActivityKind(enum.StrEnum):
    """What kind of contact an activity records."""

    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    VISIT = "visit"
    NOTE = "note"


def _kind() -> Enum:
    return Enum(
        ActivityKind,
        name="activity_kind",
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class ActivityTemplate(Base):
    """A reusable message whose ``{fields}`` are filled from the member when it is used."""

    __tablename__ = "activity_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ActivityKind] = mapped_column(_kind())
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(Base):
    """One contact with a member, as written (a template's text is stored rendered)."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[ActivityKind] = mapped_column(_kind())
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(254))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("activity_templates.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call_records.id"), index=True)
    #: The Asterisk linked id of the call it was made on; ``call_id`` stays empty (pending)
    #: until the call log writes that call's record.
    call_linked_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
