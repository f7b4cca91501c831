"""What the lease services hand out: a lease as it stood when read or taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NodeLeaseView:
    """A lease: who holds it, at which epoch, until when."""

    name: str
    holder: str
    epoch: int
    expires_at: datetime
