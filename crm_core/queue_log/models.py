"""The stored queue_log lines, one row per line of one Asterisk server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, String, Text, UniqueConstraint
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
