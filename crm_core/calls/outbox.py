"""The call log's outbox: call records that could not be written, kept in the database.

The telephony side writes a record when its call ends. When the CRM refuses it (an
agent or member it does not know, a merge it cannot make) or when the writer must stop
while the record is still unwritten, the record is parked here instead of being lost.
Delivering a parked record writes it and deletes the parked row in one transaction, so
it is written exactly once however often delivery is tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.calls.exceptions import CallNotFoundError
from crm_core.calls.models import CallLogOutbox

MAX_ERROR = 500
UNKNOWN_LINKED_ID = "unknown"


@dataclass(frozen=True)
class ParkedCall:
    """A call record waiting in the outbox, and why its last write failed."""

    id: int
    linked_id: str
    payload: dict[str, Any]
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime


def is_parked(session: Session, linked_id: str) -> bool:
    """Whether a record of call ``linked_id`` waits in the outbox."""
    query = select(CallLogOutbox.id).where(CallLogOutbox.linked_id == linked_id).limit(1)
    return session.scalar(query) is not None


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its dates and times as ISO strings (the rest is JSON already)."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in data.items()
    }


def parked_view(row: CallLogOutbox) -> ParkedCall:
    """The data object of an outbox row."""
    return ParkedCall(
        id=row.id, linked_id=row.linked_id, payload=dict(row.payload), attempts=row.attempts,
        last_error=row.last_error, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def park(session: Session, data: dict[str, Any], error: str, at: datetime) -> ParkedCall:
    """Keep ``data`` (a ``CallIn`` input) in the outbox with the reason it was not written."""
    linked_id = data.get("linked_id")
    row = CallLogOutbox(
        linked_id=str(linked_id)[:64] if linked_id else UNKNOWN_LINKED_ID,
        payload=as_json(data),
        attempts=1,
        last_error=error[:MAX_ERROR],
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return parked_view(row)


def parked(session: Session, *, after_id: int, limit: int) -> list[ParkedCall]:
    """Up to ``limit`` parked records with an id above ``after_id``, oldest first."""
    rows = session.scalars(
        select(CallLogOutbox)
        .where(CallLogOutbox.id > after_id)
        .order_by(CallLogOutbox.id)
        .limit(limit)
    ).all()
    return [parked_view(row) for row in rows]


def take(session: Session, parked_id: int) -> CallLogOutbox:
    """The parked row ``parked_id``, locked for its delivery."""
    row = session.scalars(
        select(CallLogOutbox).where(CallLogOutbox.id == parked_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise CallNotFoundError(f"no parked call record {parked_id}", parked_id=parked_id)
    return row


def note_failure(session: Session, parked_id: int, error: str, at: datetime) -> None:
    """Count one more failed delivery of ``parked_id`` and say why."""
    row = session.get(CallLogOutbox, parked_id)
    if row is not None:
        row.attempts += 1
        row.last_error = error[:MAX_ERROR]
        row.updated_at = at
        session.flush()


__all__ = [
    "ParkedCall",
    "as_json",
    "is_parked",
    "note_failure",
    "park",
    "parked",
    "parked_view",
    "take",
]
