"""The access audit: who logged in or failed to, who played a recording, who set or
released a legal hold, from which address and when. Entries are only ever appended."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.staff.models import AccessEvent

Clock = Callable[[], datetime]


class AccessAction(enum.StrEnum):
    """What an audited access was."""

    LOGIN_SUCCEEDED = "login-succeeded"
    LOGIN_FAILED = "login-failed"
    LOGIN_LOCKED = "login-locked"
    """A login name or an address reached its failure limit and is locked out."""
    RECORDING_PLAYED = "recording-played"
    LEGAL_HOLD_SET = "legal-hold-set"
    LEGAL_HOLD_RELEASED = "legal-hold-released"
    CARD_TAPPED = "card-tapped"
    """A member card (or an unknown chip) was tapped on a reader at the actor's desk."""


@dataclass(frozen=True)
class AccessEntry:
    """One audited access."""

    id: int
    at: datetime
    actor: str
    action: AccessAction
    address: str | None
    subject: str | None
    detail: str | None


def _clip(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]


def _entry(row: AccessEvent) -> AccessEntry:
    return AccessEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=AccessAction(row.action),
        address=row.address,
        subject=row.subject,
        detail=row.detail,
    )


class AccessAudit:
    """Appends access events and lists them, newest first."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def record(
        self,
        actor: str,
        action: AccessAction,
        *,
        address: str | None = None,
        subject: str | None = None,
        detail: str | None = None,
    ) -> AccessEntry:
        """Append one entry (text cut to the column sizes: an attacker picks the login)."""
        at = self.clock()

        def work(session: Session) -> AccessEntry:
            row = AccessEvent(
                at=at,
                actor=_clip(actor, 64) or "",
                action=action.value,
                address=_clip(address, 64),
                subject=_clip(subject, 64),
                detail=_clip(detail, 300),
            )
            session.add(row)
            session.flush()
            return _entry(row)

        return await self._db.run_write(work)

    async def entries(
        self,
        *,
        actor: str | None = None,
        action: AccessAction | None = None,
        limit: int = 100,
    ) -> list[AccessEntry]:
        """The newest ``limit`` entries, optionally of one actor and one action."""
        query = select(AccessEvent).order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
        if actor is not None:
            query = query.where(AccessEvent.actor == actor)
        if action is not None:
            query = query.where(AccessEvent.action == action.value)
        async with self._db.read() as session:
            return [_entry(row) for row in await session.scalars(query.limit(limit))]


__all__ = ["AccessAction", "AccessAudit", "AccessEntry"]
