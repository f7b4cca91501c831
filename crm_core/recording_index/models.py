"""Tables of the recording index: one row per recording file, one per PCI pause."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, string_enum, utcnow


class RecordingStatus(enum.StrEnum):
    """Where a recording stands: being written, complete, or found wrong when indexed."""

    RECORDING = "recording"
    COMPLETE = "complete"
    MISSING = "missing"
    TRUNCATED = "truncated"


class Recording(Base):
    """One recording file; ``file_name`` is relative to the recordings directory."""

    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200), unique=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str | None] = mapped_column(String(64), index=True)
    campaign: Mapped[str | None] = mapped_column(String(64))
    agent_login: Mapped[str | None] = mapped_column(String(32), index=True)
    member_number: Mapped[str | None] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[RecordingStatus] = mapped_column(string_enum(RecordingStatus, "rec_status"))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(String(200))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pauses: Mapped[list[RecordingPause]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", order_by="RecordingPause.id"
    )


class RecordingPause(Base):
    """A stretch of a recording muted while card details were read out (PCI)."""

    __tablename__ = "recording_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    by: Mapped[str | None] = mapped_column(String(32))

    recording: Mapped[Recording] = relationship(back_populates="pauses")
