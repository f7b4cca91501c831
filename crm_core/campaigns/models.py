"""Tables of outbound campaigns: campaigns, leads, dial attempts, suppression, invalid
numbers, contact consent, call-backs and the dialers' leases."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, string_enum, utcnow


class CampaignMode(enum.StrEnum):
    """How a campaign dials."""

    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"
    IVR_MESSAGE = "ivr_message"


class CampaignStatus(enum.StrEnum):
    """A campaign is drafted, then runs, pauses and resumes, and is stopped for good."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class RecordingPolicy(enum.StrEnum):
    """Which calls of the campaign are recorded."""

    NONE = "none"
    ALL = "all"


class LeadStatus(enum.StrEnum):
    """Where a lead stands."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"
    INVALID = "invalid"
    SUPPRESSED = "suppressed"


class SuppressionSource(enum.StrEnum):
    """Who asked for a number not to be called."""

    AGENT = "agent"
    IMPORT = "import"
    API = "api"
    SYSTEM = "system"


class CallbackStatus(enum.StrEnum):
    """A scheduled call-back is offered to its agent when due, then done or cancelled."""

    SCHEDULED = "scheduled"
    OFFERED = "offered"
    DONE = "done"
    CANCELLED = "cancelled"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=16)


class Campaign(Base):
    """An outbound campaign: how it dials, when, whom it may call and how it retries."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("abandon_target >= 0 AND abandon_target <= 0.03", name="abandon_cap"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    mode: Mapped[CampaignMode] = mapped_column(_enum(CampaignMode, "campaign_mode"))
    queue: Mapped[str | None] = mapped_column(String(64))
    agents: Mapped[list[str]] = mapped_column(JSON, default=list)
    caller_id: Mapped[str | None] = mapped_column(String(64))
    time_zone: Mapped[str] = mapped_column(String(64))
    windows: Mapped[dict[str, Any]] = mapped_column(JSON)
    max_attempts: Mapped[int] = mapped_column(Integer)
    retry_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dispositions: Mapped[list[str]] = mapped_column(JSON, default=list)
    abandon_target: Mapped[float] = mapped_column(Float)
    amd: Mapped[bool] = mapped_column(Boolean, default=False)
    amd_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recording: Mapped[RecordingPolicy] = mapped_column(_enum(RecordingPolicy, "campaign_rec"))
    script: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(String(100))
    survey: Mapped[str | None] = mapped_column(String(64))
    """An IVR message campaign's keypad survey after the message: a questionnaire's code."""
    require_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus, "campaign_status"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignLead(Base):
    """A number a campaign is to call, with its next callable time (UTC)."""

    __tablename__ = "campaign_leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone", name="uq_campaign_leads_campaign_phone"),
        Index("ix_campaign_leads_due", "campaign_id", "status", "next_callable_at"),
        Index("ix_campaign_leads_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(String(200))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    line_no: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[LeadStatus] = mapped_column(_enum(LeadStatus, "campaign_lead_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_callable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DialAttempt(Base):
    """One dial, written before the Originate; its id is the new channel's ``ChannelId``."""

    __tablename__ = "dial_attempts"
    __table_args__ = (
        Index("ix_dial_attempts_campaign_created", "campaign_id", "created_at"),
        Index("ix_dial_attempts_lead", "lead_id"),
        Index("ix_dial_attempts_phone_result", "phone", "result", "ended_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("campaign_leads.id", ondelete="CASCADE"))
    callback_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_callbacks.id", ondelete="SET NULL")
    )
    phone: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    epoch: Mapped[int] = mapped_column(Integer)
    agent_login: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amd_status: Mapped[str | None] = mapped_column(String(16))
    ivr_result: Mapped[str | None] = mapped_column(String(16))
    """An IVR message campaign's result: ``played`` (heard to the end) or ``key-<digit>``."""
    survey_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL")
    )
    """The keypad survey the callee answered after the message (at most one per attempt)."""
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(String(16))
    counted: Mapped[bool] = mapped_column(Boolean, default=True)


class Suppression(Base):
    """Do not call ``phone``: everywhere (no campaign) or in one campaign, maybe until a time."""

    __tablename__ = "suppressions"
    __table_args__ = (Index("ix_suppressions_phone", "phone", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    source: Mapped[SuppressionSource] = mapped_column(_enum(SuppressionSource, "suppr_source"))
    reason: Mapped[str] = mapped_column(String(400))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InvalidNumber(Base):
    """A number the network said does not exist: no campaign dials it again."""

    __tablename__ = "invalid_numbers"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    cause: Mapped[int | None] = mapped_column(Integer)
    attempt_id: Mapped[str | None] = mapped_column(String(32))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactConsent(Base):
    """A member's consent (or refusal) to be contacted on a channel; the newest row holds."""

    __tablename__ = "contact_consents"
    __table_args__ = (Index("ix_contact_consents_member_channel", "member_id", "channel", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignCallback(Base):
    """A call-back an agent scheduled: offered to its owner as a preview when due."""

    __tablename__ = "campaign_callbacks"
    __table_args__ = (Index("ix_campaign_callbacks_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("campaign_leads.id", ondelete="CASCADE"))
    owner_login: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[CallbackStatus] = mapped_column(_enum(CallbackStatus, "callback_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DialerLease(Base):
    """Who runs a leased dialer now; ``epoch`` grows by one on every takeover."""

    __tablename__ = "dialer_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    epoch: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
