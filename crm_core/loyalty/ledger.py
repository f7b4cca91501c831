"""The points ledger: every posting is an entry; grants open lots, spending consumes them.

Write code here is synchronous over a SQLAlchemy ``Session`` and runs inside
:meth:`crm_core.db.Database.run_write` (one transaction per posting). The order of
work in :func:`post` is what makes postings safe:

1. lock the member's account row (``FOR UPDATE``; SQLite's writer lock does the same);
2. look the idempotency key up — a replay returns the first result, the same key with
   other content is an error;
3. expire the member's overdue lots, so spending never touches dead points;
4. grant (new lot) or consume lots soonest-expiring first, refusing to go below zero;
5. write the entry with the balances after it and update the account.

It is written in SQLAlchemy Core with statements built once: a posting is six or
seven cached statements (about 20 µs each) where the ORM took about 3 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update

from crm_core.db.statements import StatementRunner
from crm_core.errors import NotFoundError
from crm_core.loyalty.exceptions import (
    IdempotencyConflictError,
    InsufficientPointsError,
    InvalidPointsError,
)
from crm_core.loyalty.models import (
    LotConsumption,
    Operation,
    PointsAccount,
    PointsEntry,
    PointsLot,
)
from crm_core.loyalty.requests import PostingRequest, validate
from crm_core.loyalty.schemas import Posting
from crm_core.members.models import Member

TABLES = Member.metadata.tables
MEMBERS = TABLES[Member.__tablename__]
ACCOUNTS = TABLES[PointsAccount.__tablename__]
ENTRIES = TABLES[PointsEntry.__tablename__]
LOTS = TABLES[PointsLot.__tablename__]
CONSUMPTIONS = TABLES[LotConsumption.__tablename__]

_NEXT_EXPIRY = (
    select(func.min(LOTS.c.expires_at))
    .where(LOTS.c.member_id == MEMBERS.c.id, LOTS.c.remaining > 0)
    .scalar_subquery()
)
_ACCOUNT = select(
    MEMBERS.c.id,
    MEMBERS.c.number,
    MEMBERS.c.level,
    ACCOUNTS.c.valid,
    ACCOUNTS.c.cumulative,
    _NEXT_EXPIRY.label("next_expiry"),
).join(ACCOUNTS, ACCOUNTS.c.member_id == MEMBERS.c.id)
_SEEN_KEY = (
    select(ENTRIES.c.request_hash)
    .where(ENTRIES.c.idempotency_key == bindparam("key"))
    .scalar_subquery()
)
# Locks the account and, in the same statement, tells whether the key was used before.
_ACCOUNT_BY_NUMBER = _ACCOUNT.add_columns(_SEEN_KEY.label("seen_hash")).where(
    MEMBERS.c.number == bindparam("number")
)
_ACCOUNT_BY_ID = _ACCOUNT.where(MEMBERS.c.id == bindparam("member_id"))
_INSERT_ENTRY = insert(ENTRIES).returning(ENTRIES.c.id)
_INSERT_LOT = insert(LOTS)
_INSERT_CONSUMPTION = insert(CONSUMPTIONS)
_LIVE_LOTS = (
    select(LOTS.c.id, LOTS.c.remaining)
    .where(
        LOTS.c.member_id == bindparam("member_id"),
        LOTS.c.remaining > 0,
        LOTS.c.expires_at > bindparam("at"),
    )
    .order_by(LOTS.c.expires_at, LOTS.c.id)
)
_OVERDUE_LOTS = (
    select(LOTS.c.id, LOTS.c.remaining, LOTS.c.expires_at)
    .where(
        LOTS.c.member_id == bindparam("member_id"),
        LOTS.c.remaining > 0,
        LOTS.c.expires_at <= bindparam("at"),
    )
    .order_by(LOTS.c.expires_at, LOTS.c.id)
)
_SET_LOT_REMAINING = (
    update(LOTS)
    .where(LOTS.c.id == bindparam("lot_id"))
    .values(remaining=bindparam("new_remaining"))
)
_SET_BALANCES = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.member_id == bindparam("account_member_id"))
    .values(valid=bindparam("new_valid"), cumulative=bindparam("new_cumulative"))
)


@dataclass
class LockedAccount:
    """A member's account row, locked by this transaction, and its balances as they move."""

    member_id: int
    member_number: str
    level: int
    valid: int
    cumulative: int
    next_expiry: datetime | None
    seen_hash: str | None = None


_ENTRY_BY_KEY = select(
    ENTRIES.c.id,
    ENTRIES.c.operation,
    ENTRIES.c.points,
    ENTRIES.c.valid_after,
    ENTRIES.c.cumulative_after,
    ENTRIES.c.created_at,
    ENTRIES.c.idempotency_key,
    ENTRIES.c.request_hash,
).where(ENTRIES.c.idempotency_key == bindparam("key"))
_LOCKED = {
    id(statement): statement.with_for_update(of=ACCOUNTS)
    for statement in (_ACCOUNT_BY_NUMBER, _ACCOUNT_BY_ID)
}


def _locked(run: StatementRunner, statement: Select[Any], params: dict[str, Any]) -> Any:
    if not run.is_sqlite:  # SQLite's writer lock already serialises the transaction
        statement = _LOCKED[id(statement)]
    return run.one_or_none(statement, params)


def lock_account(run: StatementRunner, member_number: str, key: str = "") -> LockedAccount:
    """The member's account, locked for the rest of the transaction.

    ``seen_hash`` is the content hash of the posting that used ``key`` before, if any.
    """
    row = _locked(run, _ACCOUNT_BY_NUMBER, {"number": member_number, "key": key})
    if row is None:
        raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
    return LockedAccount(*row)


def lock_account_by_id(run: StatementRunner, member_id: int) -> LockedAccount:
    """Like :func:`lock_account`, by the member's row id."""
    row = _locked(run, _ACCOUNT_BY_ID, {"member_id": member_id})
    if row is None:
        raise NotFoundError(f"no member with id {member_id}", member_id=member_id)
    return LockedAccount(*row)


def _write_entry(run: StatementRunner, account: LockedAccount, **values: Any) -> int:
    entry_id: int = run.scalar(
        _INSERT_ENTRY,
        {
            "member_id": account.member_id,
            "valid_after": account.valid,
            "cumulative_after": account.cumulative,
            "level_at_posting": account.level,
            "order_id": None,
            "rule_id": None,
            "rule_detail": None,
            "item": None,
            "reason": None,
            "verification": None,
            **values,
        },
    )
    return entry_id


def _save_balances(run: StatementRunner, account: LockedAccount) -> None:
    run.execute_many(
        _SET_BALANCES,
        [
            {
                "account_member_id": account.member_id,
                "new_valid": account.valid,
                "new_cumulative": account.cumulative,
            }
        ],
    )


def expire_overdue(
    run: StatementRunner, account: LockedAccount, *, as_of: datetime
) -> list[Posting]:
    """Write one expire entry per overdue lot of a locked account; returns them."""
    if account.next_expiry is None or account.next_expiry > as_of:
        return []
    overdue = run.all(_OVERDUE_LOTS, {"member_id": account.member_id, "at": as_of})
    postings = []
    for lot_id, remaining, expires_at in overdue:
        account.valid -= remaining
        key = f"expire:lot:{lot_id}"
        entry_id = _write_entry(
            run,
            account,
            created_at=expires_at,
            operation=Operation.EXPIRE,
            points=-remaining,
            reason="points reached their expiry date",
            operator="system",
            idempotency_key=key,
            request_hash="",
        )
        run.execute_many(
            _INSERT_CONSUMPTION, [{"entry_id": entry_id, "lot_id": lot_id, "points": remaining}]
        )
        run.execute_many(_SET_LOT_REMAINING, [{"lot_id": lot_id, "new_remaining": 0}])
        postings.append(
            Posting(
                entry_id=entry_id,
                member_number=account.member_number,
                operation=Operation.EXPIRE,
                points=-remaining,
                valid_after=account.valid,
                cumulative_after=account.cumulative,
                created_at=expires_at,
                idempotency_key=key,
            )
        )
    if postings:
        _save_balances(run, account)
    return postings


def _consume(
    run: StatementRunner, account: LockedAccount, points: int, entry_id: int, *, at: datetime
) -> None:
    """Take ``points`` from the member's live lots, soonest-expiring first."""
    lots = run.all(_LIVE_LOTS, {"member_id": account.member_id, "at": at})
    still_needed = points
    new_remaining: list[dict[str, int]] = []
    consumptions: list[dict[str, int]] = []
    for lot_id, remaining in lots:
        taken = min(remaining, still_needed)
        new_remaining.append({"lot_id": lot_id, "new_remaining": remaining - taken})
        consumptions.append({"entry_id": entry_id, "lot_id": lot_id, "points": taken})
        still_needed -= taken
        if still_needed == 0:
            break
    if still_needed:
        raise AssertionError("account balance and open lots disagree")  # pragma: no cover
    run.execute_many(_SET_LOT_REMAINING, new_remaining)
    run.execute_many(_INSERT_CONSUMPTION, consumptions)


def post(
    run: StatementRunner, request: PostingRequest, *, now: datetime, validity: timedelta
) -> Posting:
    """Apply one posting inside the caller's transaction (see the module docstring)."""
    validate(request)
    account = lock_account(run, request.member_number, request.idempotency_key)
    request_hash = request.content_hash()
    if account.seen_hash is not None:
        first = run.one_or_none(_ENTRY_BY_KEY, {"key": request.idempotency_key})
        assert first is not None
        entry_id, operation, points, valid_after, cumulative_after, created_at, key, seen = first
        if seen != request_hash:
            raise IdempotencyConflictError(
                f"idempotency key {request.idempotency_key!r} was already used "
                "for a different posting",
                idempotency_key=request.idempotency_key,
            )
        return Posting(
            entry_id=entry_id,
            member_number=account.member_number,
            operation=Operation(operation),
            points=points,
            valid_after=valid_after,
            cumulative_after=cumulative_after,
            created_at=created_at,
            idempotency_key=key,
            replayed=True,
        )

    is_grant = request.points > 0
    expires_at = None
    if is_grant:
        expires_at = request.expires_at or (request.granted_at or now) + validity
        if expires_at <= now:
            raise InvalidPointsError(
                "these points would already have expired", expires_at=expires_at.isoformat()
            )
    expire_overdue(run, account, as_of=now)
    if not is_grant and account.valid < -request.points:
        raise InsufficientPointsError(
            f"member {account.member_number} has {account.valid:,} valid points, "
            f"{-request.points:,} were asked for",
            valid=account.valid,
            requested=-request.points,
        )
    account.valid += request.points
    if is_grant or request.operation is Operation.ADJUST:
        # Grants add to the cumulative total; a negative adjustment corrects it.
        account.cumulative += request.points
    entry_id = _write_entry(
        run,
        account,
        created_at=now,
        operation=request.operation,
        points=request.points,
        order_id=request.order_id,
        rule_id=request.rule_id,
        rule_detail=request.rule_detail,
        item=request.item,
        reason=request.reason,
        operator=request.operator,
        idempotency_key=request.idempotency_key,
        request_hash=request_hash,
        verification=request.verification,
    )
    if expires_at is not None:
        run.execute_many(
            _INSERT_LOT,
            [
                {
                    "member_id": account.member_id,
                    "entry_id": entry_id,
                    "granted": request.points,
                    "remaining": request.points,
                    "granted_at": request.granted_at or now,
                    "expires_at": expires_at,
                }
            ],
        )
    else:
        _consume(run, account, -request.points, entry_id, at=now)
    _save_balances(run, account)
    return Posting(
        entry_id=entry_id,
        member_number=account.member_number,
        operation=request.operation,
        points=request.points,
        valid_after=account.valid,
        cumulative_after=account.cumulative,
        created_at=now,
        idempotency_key=request.idempotency_key,
    )


__all__ = ["LockedAccount", "PostingRequest", "expire_overdue", "lock_account", "post", "validate"]
