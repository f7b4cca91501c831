"""Leases: the dialer of a campaign runs in exactly one process, the one holding its lease.

A lease row has a holder, an epoch and an expiry. Taking a free or lapsed lease (by
anyone, its former holder included) adds one to the epoch, so every attempt written under
the old epoch is recognisably the old holder's. A holder renews while its epoch is current
(a takeover changes it), and releases by letting the lease lapse now; the row is never
deleted, so epochs only grow. On PostgreSQL the row is locked ``FOR UPDATE`` while it is
taken or renewed and ``FOR SHARE`` while a claim checks it: a takeover waits for claims
in progress and a claim after it sees the new epoch. On SQLite writers are serialised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.exceptions import StaleLeaseError
from crm_core.campaigns.models import DialerLease
from crm_core.campaigns.schemas import Lease
from crm_core.errors import InvalidInputError


def lease_name(campaign_id: int) -> str:
    """The name of the lease a campaign's dialer holds (what ``claim_next`` checks)."""
    return f"campaign-{campaign_id}"


def _view(row: DialerLease) -> Lease:
    return Lease(name=row.name, holder=row.holder, epoch=row.epoch, expires_at=row.expires_at)


def _check(name: str, holder: str, ttl: timedelta) -> None:
    if not name or len(name) > 100:
        raise InvalidInputError("name: 1–100 characters", field="name")
    if not holder or len(holder) > 100:
        raise InvalidInputError("holder: 1–100 characters", field="holder")
    if ttl <= timedelta(0):
        raise InvalidInputError("ttl: must be positive", field="ttl")


def _locked(session: Session, name: str, *, shared: bool = False) -> DialerLease | None:
    query = select(DialerLease).where(DialerLease.name == name)
    return session.scalars(query.with_for_update(read=shared)).one_or_none()


def acquire(
    session: Session, name: str, holder: str, ttl: timedelta, now: datetime
) -> Lease | None:
    """Take the lease if it is free or lapsed (epoch + 1), keep it if ``holder`` holds it
    already (renewed), or None if someone else holds it. Two processes creating the same
    new lease at once collide on its key: the caller treats that as losing."""
    _check(name, holder, ttl)
    row = _locked(session, name)
    if row is None:
        row = DialerLease(name=name, holder=holder, epoch=1, expires_at=now + ttl)
        session.add(row)
        session.flush()
        return _view(row)
    if row.expires_at > now:
        if row.holder != holder:
            return None
        row.expires_at = now + ttl
        return _view(row)
    row.holder, row.epoch, row.expires_at = holder, row.epoch + 1, now + ttl
    return _view(row)


def renew(
    session: Session, name: str, holder: str, epoch: int, ttl: timedelta, now: datetime
) -> bool:
    """Extend the lease while ``holder`` holds it at ``epoch``; False once taken over."""
    _check(name, holder, ttl)
    row = _locked(session, name)
    if row is None or row.holder != holder or row.epoch != epoch:
        return False
    row.expires_at = now + ttl
    return True


def release(session: Session, name: str, holder: str, epoch: int, now: datetime) -> bool:
    """Let the lease lapse now so another process may take it; False if not held."""
    row = _locked(session, name)
    if row is None or row.holder != holder or row.epoch != epoch:
        return False
    row.expires_at = min(row.expires_at, now)
    return True


def require_current(session: Session, name: str, epoch: int, now: datetime) -> None:
    """:class:`StaleLeaseError` unless ``epoch`` is the lease's current one and the lease
    has not lapsed (a holder whose lease lapsed renews before it dials again)."""
    row = _locked(session, name, shared=True)
    if row is None or row.epoch != epoch or row.expires_at <= now:
        raise StaleLeaseError(
            f"lease {name!r} at epoch {epoch} is not current",
            lease=name,
            epoch=epoch,
            current_epoch=None if row is None else row.epoch,
        )
