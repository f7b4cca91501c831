"""Writing and reading the supervisor audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.supervision.models import SupervisorAction

MAX_DETAIL = 500
OUTCOMES = frozenset({"done", "refused", "failed"})


@dataclass(frozen=True)
class AuditEntry:
    """One audited supervisor action."""

    id: int
    at: datetime
    supervisor: str
    action: str
    call_id: str | None
    agent: str | None
    detail: str | None
    outcome: str


def _entry(row: SupervisorAction) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        supervisor=row.supervisor,
        action=row.action,
        call_id=row.call_id,
        agent=row.agent,
        detail=row.detail,
        outcome=row.outcome,
    )


class SupervisorAudit:
    """Appends supervisor actions and lists them, newest first."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def record(
        self,
        *,
        supervisor: str,
        action: str,
        outcome: str,
        call_id: str | None = None,
        agent: str | None = None,
        detail: str | None = None,
    ) -> AuditEntry:
        """Append one entry (``outcome`` is done, refused or failed)."""
        if outcome not in OUTCOMES:
            raise InvalidInputError(f"outcome must be one of {sorted(OUTCOMES)}", outcome=outcome)
        at = self.clock()

        def work(session: Session) -> AuditEntry:
            row = SupervisorAction(
                at=at,
                supervisor=supervisor[:32],
                action=action[:32],
                call_id=call_id,
                agent=agent,
                detail=detail[:MAX_DETAIL] if detail else None,
                outcome=outcome,
            )
            session.add(row)
            session.flush()
            return _entry(row)

        return await self._db.run_write(work)

    async def entries(
        self, *, call_id: str | None = None, supervisor: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Audited actions, newest first, optionally of one call or one supervisor."""
        query = select(SupervisorAction).order_by(
            SupervisorAction.at.desc(), SupervisorAction.id.desc()
        )
        if call_id is not None:
            query = query.where(SupervisorAction.call_id == call_id)
        if supervisor is not None:
            query = query.where(SupervisorAction.supervisor == supervisor)
        async with self._db.read() as session:
            rows = (await session.scalars(query.limit(max(1, min(limit, 1000))))).all()
        return [_entry(row) for row in rows]


__all__ = ["AuditEntry", "SupervisorAudit"]
