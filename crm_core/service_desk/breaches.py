"""SLA breaches noted in a request's history, once each: what the SLA scan writes.

A scan finds the open requests past their response or resolution deadline and adds one
history entry (``field = "sla_breach"``, ``new_value`` the deadline missed) for each
deadline not noted before. It runs in the caller's transaction: a worker runs it fenced
by its lease's epoch, so a scan by a process that lost its lease writes nothing, and a
scan repeated (by the same worker or the next) notes nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_core.service_desk.models import ServiceChange, ServiceRequest
from crm_core.service_desk.sla import SlaFacts, overdue_now
from crm_core.service_desk.workflow import OPEN_REQUEST

BREACH_FIELD = "sla_breach"
MAX_PER_SCAN = 500


def note_breaches(session: Session, now: datetime, *, by: str, limit: int = MAX_PER_SCAN) -> int:
    """Note each deadline open requests have missed as of ``now`` and that no entry notes
    yet (at most ``limit`` requests a scan); how many entries were added."""
    overdue = session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.status.in_(OPEN_REQUEST),
            or_(
                ServiceRequest.accepted_at.is_(None) & (ServiceRequest.response_due < now),
                ServiceRequest.resolution_due < now,
            ),
        )
        .order_by(ServiceRequest.id)
        .limit(limit)
    ).all()
    if not overdue:
        return 0
    noted = {
        (request_id, kind)
        for request_id, kind in session.execute(
            select(ServiceChange.request_id, ServiceChange.new_value).where(
                ServiceChange.field == BREACH_FIELD,
                ServiceChange.request_id.in_([request.id for request in overdue]),
            )
        )
    }
    added = 0
    for request in overdue:
        facts = SlaFacts(
            status=request.status, created_at=request.created_at,
            response_due=request.response_due, resolution_due=request.resolution_due,
            accepted_at=request.accepted_at, resolved_at=request.resolved_at,
        )  # fmt: skip
        for kind in overdue_now(facts, now):
            if (request.id, kind) not in noted:
                session.add(ServiceChange(
                    request_id=request.id, field=BREACH_FIELD, old_value=None, new_value=kind,
                    reason=f"{kind} deadline passed", changed_by=by, changed_at=now,
                ))  # fmt: skip
                added += 1
    session.flush()
    return added


def breaches_noted(session: Session) -> list[tuple[int, str]]:
    """Every breach noted so far, as (request id, deadline), in the order noted."""
    rows = session.execute(
        select(ServiceChange.request_id, ServiceChange.new_value)
        .where(ServiceChange.field == BREACH_FIELD)
        .order_by(ServiceChange.id)
    )
    return [(request_id, str(kind)) for request_id, kind in rows]


__all__ = ["BREACH_FIELD", "MAX_PER_SCAN", "breaches_noted", "note_breaches"]
