"""One PIN entry checked in one transaction: lock the guards, check, count, log.

The guard rows of the caller's subjects (``phone:+86…``, ``member:I-…``) are created if
missing and locked (``FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite) before
the lock-out is read, and stay locked while the code is verified and the outcome
written. Parallel calls guessing at once therefore queue on those rows: each sees the
failures the previous ones counted, and no more than ``max_attempts`` wrong codes are
ever checked before the lock-out lands. The argon2 verification runs in a worker thread
while the transaction waits, so the event loop is never held.

A right code is *verified* when it is the member's PIN, and only *identified* when it
is the last digits of the member number (allowed for a caller whose number names the
member): the call's identity is kept in ``ivr_call_identities`` with its method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.members.models import Member
from crm_core.selfservice.models import (
    IvrCallIdentity,
    MemberPin,
    PinAttempt,
    SelfServiceGuard,
)
from crm_core.selfservice.pins import number_tail, well_formed_code
from crm_core.selfservice.schemas import PinCheck, PinOutcome, PinPolicy

GUARDS = SelfServiceGuard.metadata.tables[SelfServiceGuard.__tablename__]
Verify = Callable[[str | None, str], bool]


@dataclass(frozen=True)
class PinEntry:
    """One code typed in the IVR, and who typed it for whom."""

    member_number: str | None
    code: str
    caller: str | None
    subjects: list[str]
    policy: PinPolicy
    accept_number_tail: bool = False
    call_linked_id: str | None = None


@dataclass(frozen=True)
class _Locked:
    """The guards of the entry's subjects, locked, and what else the check reads."""

    failures: int
    locked_until: datetime | None
    marked: bool  # failures or an old lock-out to clear on success
    member_id: int | None
    pin_hash: str | None


def _lock(connection: Connection, entry: PinEntry, now: datetime) -> _Locked:
    """Create the missing guard rows, lock them all (in subject order), read the PIN."""
    dialect = connection.dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for subject in sorted(entry.subjects):
        connection.execute(
            make_insert(GUARDS)
            .values(subject=subject, failures=0, locked_until=None)
            .on_conflict_do_nothing(index_elements=["subject"])
        )
    query = (
        select(GUARDS.c.failures, GUARDS.c.locked_until)
        .where(GUARDS.c.subject.in_(entry.subjects))
        .order_by(GUARDS.c.subject)
    )
    if dialect != "sqlite":  # SQLite: BEGIN IMMEDIATE already holds the writer lock
        query = query.with_for_update()
    rows = connection.execute(query).all() if entry.subjects else []
    locks = [until for _, until in rows if until is not None and until > now]
    member = None
    if entry.member_number is not None:
        member = connection.execute(
            select(Member.id, MemberPin.pin_hash)
            .outerjoin(MemberPin, MemberPin.member_id == Member.id)
            .where(Member.number == entry.member_number)
        ).one_or_none()
    return _Locked(
        failures=max((failures or 0 for failures, _ in rows), default=0),
        locked_until=max(locks, default=None),
        marked=any(failures or until is not None for failures, until in rows),
        member_id=member[0] if member else None,
        pin_hash=member[1] if member else None,
    )


def _record(
    connection: Connection, entry: PinEntry, state: _Locked, outcome: PinOutcome, now: datetime
) -> PinCheck:
    """Count the outcome on the guards, log it, and keep the call's identity."""
    policy = entry.policy
    if outcome is PinOutcome.LOCKED:
        check = PinCheck(outcome, entry.member_number, 0, state.locked_until)
    elif outcome in (PinOutcome.VERIFIED, PinOutcome.IDENTIFIED):
        check = PinCheck(outcome, entry.member_number, policy.max_attempts)
        if state.marked:
            _set_guards(connection, entry.subjects, failures=0, locked_until=None)
        if entry.call_linked_id and state.member_id is not None:
            method = "pin" if outcome is PinOutcome.VERIFIED else "caller"
            connection.execute(
                insert(IvrCallIdentity).values(
                    call_linked_id=entry.call_linked_id, member_id=state.member_id,
                    method=method, at=now,
                )
            )  # fmt: skip
        if not state.marked:  # a plain success is not logged as an attempt
            return check
    else:
        failures = state.failures + 1
        remaining = max(policy.max_attempts - failures, 0)
        locked = now + policy.lockout if remaining == 0 else None
        _set_guards(
            connection, entry.subjects, failures=0 if locked else failures, locked_until=locked
        )
        outcome = PinOutcome.LOCKED_OUT if locked else PinOutcome.WRONG
        check = PinCheck(outcome, entry.member_number, remaining, locked)
    connection.execute(
        insert(PinAttempt).values(
            at=now, caller=entry.caller or None, member_id=state.member_id,
            outcome=check.outcome.value,
        )
    )  # fmt: skip
    return check


def _set_guards(
    connection: Connection, subjects: list[str], *, failures: int, locked_until: datetime | None
) -> None:
    connection.execute(
        update(GUARDS)
        .where(GUARDS.c.subject.in_(subjects))
        .values(failures=failures, locked_until=locked_until)
    )


async def check_entry(
    connection: AsyncConnection, entry: PinEntry, *, verify: Verify, now: datetime
) -> PinCheck:
    """Check ``entry`` inside ``connection``'s transaction (the caller commits it)."""
    state = await connection.run_sync(_lock, entry, now)
    if state.locked_until is not None:
        outcome = PinOutcome.LOCKED
    elif not well_formed_code(entry.code):
        outcome = PinOutcome.WRONG
    elif await asyncio.to_thread(verify, state.pin_hash, entry.code):
        outcome = PinOutcome.VERIFIED
    elif (
        entry.accept_number_tail
        and entry.member_number is not None
        and entry.code == number_tail(entry.member_number)
    ):
        outcome = PinOutcome.IDENTIFIED
    else:
        outcome = PinOutcome.WRONG
    return await connection.run_sync(_record, entry, state, outcome, now)
