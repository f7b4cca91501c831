"""Tables of caller self-service: PIN hashes, lock-out guards, attempts, callbacks, survey calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, utcnow


class MemberPin(Base):
    """A member's self-service PIN as an argon2id hash (never in clear)."""

    __tablename__ = "member_pins"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    pin_hash: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SelfServiceGuard(Base):
    """Failed PIN entries in a row for one subject (``phone:+86…`` or ``member:I-…``),
    and until when the subject is locked out of the self-service."""

    __tablename__ = "selfservice_guards"

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PinAttempt(Base):
    """One PIN entry in the IVR: who called, for which member, and what came of it."""

    __tablename__ = "pin_attempts"
    __table_args__ = (Index("ix_pin_attempts_member_at", "member_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    caller: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))


class IvrCallIdentity(Base):
    """Who the IVR found a caller to be on one call (Asterisk linked id), and how.

    ``method`` is ``pin`` (the caller typed the member's PIN: *verified*) or ``caller``
    (the caller's number names one member and the caller typed the last digits of the
    member number: *identified*, not verified). The screen pop and the points rules read it.
    """

    __tablename__ = "ivr_call_identities"
    __table_args__ = (Index("ix_ivr_call_identities_call", "call_linked_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_linked_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class IvrCallback(Base):
    """A voicemail left after hours: a callback task for agents when the centre opens."""

    __tablename__ = "ivr_callbacks"
    __table_args__ = (Index("ix_ivr_callbacks_due", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    call_linked_id: Mapped[str | None] = mapped_column(String(64))
    mailbox: Mapped[str] = mapped_column(String(80))
    message: Mapped[str | None] = mapped_column(String(32))
    left_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IvrSurveyCall(Base):
    """The call (Asterisk linked id) an IVR survey response was given on.

    The call's record is written when the call ends, after the survey, so the response
    keeps the linked id here and the call record can be joined on it.
    """

    __tablename__ = "ivr_survey_calls"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    call_linked_id: Mapped[str] = mapped_column(String(64), index=True)
