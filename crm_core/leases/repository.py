"""The lease statements: each one conditional UPDATE, so they work through any pooler.

``take`` raises the epoch of a free or lapsed lease (its former holder included: what it
wrote before lapsing is recognisably old), or extends it for its current holder. ``extend``
and ``lapse`` act only while the holder holds it at its epoch. ``fence`` is the guard of
a holder's write: an UPDATE of the lease row matching the epoch and an unexpired lease,
run first in the write's own transaction. On PostgreSQL it keeps the row locked until the
write commits, so a takeover waits for the write and a write after a takeover is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.errors import InvalidInputError
from crm_core.leases.exceptions import StaleEpochError
from crm_core.leases.models import HOLDER_LENGTH, NAME_LENGTH, NodeLease
from crm_core.leases.schemas import NodeLeaseView

_COLUMNS = (NodeLease.name, NodeLease.holder, NodeLease.epoch, NodeLease.expires_at)


def check(name: str, holder: str, ttl: timedelta) -> None:
    """:class:`InvalidInputError` naming the field that is empty, too long or not positive."""
    if not name or len(name) > NAME_LENGTH:
        raise InvalidInputError(f"name: 1–{NAME_LENGTH} characters", field="name")
    if not holder or len(holder) > HOLDER_LENGTH:
        raise InvalidInputError(f"holder: 1–{HOLDER_LENGTH} characters", field="holder")
    if ttl <= timedelta(0):
        raise InvalidInputError("ttl: must be positive", field="ttl")


def take(
    session: Session, name: str, holder: str, ttl: timedelta, now: datetime
) -> NodeLeaseView | None:
    """Take the lease (a new epoch) if free or lapsed, extend it if ``holder`` has it,
    or None while another holder has it. A lease that does not exist yet is created at
    epoch 1; two processes creating it at once collide on its key and one of them loses."""
    check(name, holder, ttl)
    still_mine = (NodeLease.holder == holder) & (NodeLease.expires_at > now)
    taken = session.execute(
        update(NodeLease)
        .where(NodeLease.name == name, (NodeLease.expires_at <= now) | still_mine)
        .values(
            holder=holder,
            epoch=case((still_mine, NodeLease.epoch), else_=NodeLease.epoch + 1),
            expires_at=now + ttl,
        )
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if taken is not None:
        return NodeLeaseView(*taken)
    if session.execute(select(NodeLease.name).where(NodeLease.name == name)).first():
        return None  # held by another
    try:
        with session.begin_nested():
            session.execute(
                insert(NodeLease).values(name=name, holder=holder, epoch=1, expires_at=now + ttl)
            )
    except IntegrityError:
        return None  # another process created it at this instant
    return NodeLeaseView(name, holder, 1, now + ttl)


def _held(name: str, holder: str, epoch: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (NodeLease.name == name, NodeLease.holder == holder, NodeLease.epoch == epoch,
            NodeLease.expires_at > now)  # fmt: skip


def extend(
    session: Session, name: str, holder: str, epoch: int, ttl: timedelta, now: datetime
) -> bool:
    """Extend the lease while ``holder`` holds it, unlapsed, at ``epoch``; False if not."""
    check(name, holder, ttl)
    result = session.execute(
        update(NodeLease)
        .where(*_held(name, holder, epoch, now))
        .values(expires_at=now + ttl)
        .returning(NodeLease.epoch)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


def lapse(session: Session, name: str, holder: str, epoch: int, now: datetime) -> bool:
    """Let the lease lapse now so another process may take it at once; False if not held."""
    result = session.execute(
        update(NodeLease)
        .where(*_held(name, holder, epoch, now))
        .values(expires_at=now)
        .returning(NodeLease.epoch)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


def fence(session: Session, name: str, epoch: int, now: datetime) -> None:
    """:class:`StaleEpochError` unless ``epoch`` is the lease's current one and the lease
    has not lapsed; run first in the transaction of a write made under the lease."""
    result = session.execute(
        update(NodeLease)
        .where(NodeLease.name == name, NodeLease.epoch == epoch, NodeLease.expires_at > now)
        .values(epoch=NodeLease.epoch)
        .returning(NodeLease.epoch)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        current = session.execute(select(NodeLease.epoch).where(NodeLease.name == name)).first()
        raise StaleEpochError(
            f"lease {name!r} at epoch {epoch} is not current",
            lease=name,
            epoch=epoch,
            current_epoch=None if current is None else current[0],
        )


def listed(session: Session) -> list[NodeLeaseView]:
    """Every lease, by name."""
    rows = session.execute(select(*_COLUMNS).order_by(NodeLease.name))
    return [NodeLeaseView(*row) for row in rows]
