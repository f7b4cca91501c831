"""The stored queue_log lines, one row per line of one Asterisk server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime


class QueueLogEntry(Base):
    """One queue_log line of ``server``, its fields as Asterisk wrote them.

    ``digest`` (SHA-1 of the server's name and the line) makes a line stored once however
    often a file, its rotated copy or a backup is read again.
    """

    __tablename__ = "queue_log"
    __table_args__ = (
        UniqueConstraint("digest", name="uq_queue_log_digest"),
        Index("ix_queue_log_server_time", "server", "time"),
        Index("ix_queue_log_server_call", "server", "call_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(64))
    time: Mapped[float] = mapped_column(Float)
    call_id: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(128))
    agent: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, default="")
    """data1|data2|… as written."""
    digest: Mapped[str] = mapped_column(String(40))


class QueueLogPosition(Base):
    """How far the service has read a server's queue_log file: the file (by its inode, so
    a rotation is noticed) and the byte after the last whole line stored. Written in the
    transaction that stores those lines, so a restart resumes exactly there."""

    __tablename__ = "queue_log_positions"

    server: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    inode: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reconcile_after: Mapped[int | None] = mapped_column(BigInteger)
    """Set at a service's start to the last line of the server stored before it: the
    calls whose lines after it end them get their call records made from the lines (they
    ended while no service read), then it is cleared."""


class QueueStint(Base):
    """One call's visit to one queue (or a call that never got in: ``blocked``), as the
    statistics computed it from the stored lines of that call; rebuilt whenever a line of
    the call is stored, in the same transaction. ``slot`` is the quarter hour (epoch
    seconds ÷ 900) of ``entered_at``: reports sum stints by it in the database."""

    __tablename__ = "queue_stints"
    __table_args__ = (
        # Covering the report's sums, so they are read from the index alone.
        Index(
            "ix_queue_stints_slot",
            "slot",
            "queue",
            "outcome",
            "blocked",
            "entered_at",
            "wait",
            "talk",
            "wrapup",
            "transferred",
        ),
        Index("ix_queue_stints_server_call", "server", "call_id"),
        # The counts of waits in a band (a threshold other than the totals' own).
        Index("ix_queue_stints_wait", "outcome", "wait", "slot", "queue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[float] = mapped_column(Float)
    slot: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    """None while the caller waits (and for a blocked call)."""
    blocked: Mapped[str | None] = mapped_column(String(16))
    """Why the call never got in (``full``, ``empty``, ``closed``, ``divert``)."""
    wait: Mapped[int | None] = mapped_column(Integer)
    talk: Mapped[int | None] = mapped_column(Integer)
    wrapup: Mapped[int] = mapped_column(Integer, default=0)
    """Measured wrap-up seconds after an answered stint, rounded."""
    agent: Mapped[str | None] = mapped_column(String(128))
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    inferred: Mapped[bool] = mapped_column(Boolean, default=False)


class QueueSlotTotal(Base):
    """The stints of one queue that entered in one quarter hour (``slot``) with one
    outcome (``""``: still waiting) or blocking reason (``""``: not blocked), summed over
    every server: what a report adds up, kept up to date in the transaction that stores
    the stints. ``within`` counts waits of at most ``BASE_LEVEL`` seconds
    (``crm_core.queue_log.totals``); a report with another threshold corrects it from
    the stints whose wait lies between the two."""

    __tablename__ = "queue_slot_totals"

    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    blocked: Mapped[str] = mapped_column(String(16), primary_key=True)
    stints: Mapped[int] = mapped_column(Integer)
    waits: Mapped[int] = mapped_column(Integer)
    wait_sum: Mapped[int] = mapped_column(BigInteger)
    wait_max: Mapped[int | None] = mapped_column(Integer)
    within: Mapped[int] = mapped_column(Integer)
    talks: Mapped[int] = mapped_column(Integer)
    talk_sum: Mapped[int] = mapped_column(BigInteger)
    handle_sum: Mapped[int] = mapped_column(BigInteger)
    transfers: Mapped[int] = mapped_column(Integer)
    waits_10: Mapped[int] = mapped_column(Integer, server_default="0")
    """Of these stints, those with a wait of 0–10 s; the next columns 11–20 s, 21–30 s,
    31–60 s, 61–120 s, 121–300 s and over 300 s (``crm_core.queue_log.totals``)."""
    waits_20: Mapped[int] = mapped_column(Integer, server_default="0")
    waits_30: Mapped[int] = mapped_column(Integer, server_default="0")
    waits_60: Mapped[int] = mapped_column(Integer, server_default="0")
    waits_120: Mapped[int] = mapped_column(Integer, server_default="0")
    waits_300: Mapped[int] = mapped_column(Integer, server_default="0")
    waits_longer: Mapped[int] = mapped_column(Integer, server_default="0")
