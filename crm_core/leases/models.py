"""The ``node_leases`` table: one row per singleton, never deleted (epochs only grow)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime

NAME_LENGTH = 100
HOLDER_LENGTH = 100


class NodeLease(Base):
    """Who holds the singleton ``name`` now, at which epoch, until when."""

    __tablename__ = "node_leases"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    holder: Mapped[str] = mapped_column(String(HOLDER_LENGTH))
    epoch: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
