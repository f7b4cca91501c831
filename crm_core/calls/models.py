"""Tables of call records, disposition codes and the call log's outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, string_enum, utcnow


class Direction(enum.StrEnum):
    """Which way a call went."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class DispositionScope(enum.StrEnum):
    """Where a disposition code may be used."""

    ALL = "all"
    QUEUE = "queue"
    CAMPAIGN = "campaign"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=16)


class DispositionCode(Base):
    """An outcome an agent can close a call with, e.g. ``SALE`` or ``COMPLAINT``."""

    __tablename__ = "disposition_codes"
    __table_args__ = (
        UniqueConstraint("code", "scope_kind", "scope", name="uq_disposition_codes_code_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    scope_kind: Mapped[DispositionScope] = mapped_column(_enum(DispositionScope, "disp_scope"))
    scope: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CallRecord(Base):
    """One call from first ring to hang-up; its Asterisk (``server``) and Asterisk's linked
    id make it unique."""

    __tablename__ = "call_records"
    __table_args__ = (
        Index("ix_call_records_member_started", "member_id", "started_at"),
        Index("ix_call_records_agent_started", "agent_id", "started_at"),
        Index("ix_call_records_queue_started", "queue", "started_at"),
        Index("ix_call_records_started", "started_at"),
        Index("ix_call_records_caller", "caller_e164"),
        Index("ix_call_records_linked_id", "linked_id"),
        UniqueConstraint("server", "linked_id", name="uq_call_records_server_linked_id"),
        CheckConstraint(
            "wait_seconds >= 0 AND talk_seconds >= 0 AND hold_seconds >= 0 AND wrapup_seconds >= 0",
            name="durations_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(64), server_default="")
    """The systemname of the call's Asterisk; "" for the calls of a single node."""
    linked_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "call_direction"))
    caller: Mapped[str] = mapped_column(String(64))
    caller_e164: Mapped[str | None] = mapped_column(String(16))
    called: Mapped[str | None] = mapped_column(String(64))
    inbound_media: Mapped[str | None] = mapped_column(String(100))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_seconds: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[int] = mapped_column(Integer, default=0)
    hold_seconds: Mapped[int] = mapped_column(Integer, default=0)
    wrapup_seconds: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    hangup_cause_text: Mapped[str | None] = mapped_column(String(100))
    disposition_code: Mapped[str | None] = mapped_column(String(32))
    disposition_note: Mapped[str | None] = mapped_column(String(2000))
    recording_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reconciled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """Made from queue_log at the service's start (the call ended while it was down), not
    written live; a live write of the call replaces it."""


class CallLogOutbox(Base):
    """A call record the telephony side could not write, kept until it is written.

    ``payload`` is the ``CallIn`` input as JSON (times as ISO strings); ``last_error``
    says why the last attempt failed. Delivering it writes the record and deletes this
    row in one transaction.
    """

    __tablename__ = "call_log_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    linked_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
