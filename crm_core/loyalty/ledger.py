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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from crm_core.loyalty.schemas import Posting
from crm_core.members.models import Member

GRANTS = frozenset({Operation.EARN, Operation.BONUS, Operation.GIFT, Operation.ADJUST})
MAX_POINTS_PER_POSTING = 1_000_000_000
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class PostingRequest:
    """Everything one posting says; its hash is what idempotency compares."""

    member_number: str
    operation: Operation
    points: int
    operator: str
    idempotency_key: str
    reason: str | None = None
    item: str | None = None
    order_id: int | None = None
    rule_id: int | None = None
    rule_detail: str | None = None
    granted_at: datetime | None = None
    expires_at: datetime | None = None

    def content_hash(self) -> str:
        """SHA-256 of the request's content (everything but the key itself)."""
        content = asdict(self)
        del content["idempotency_key"]
        canonical = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def validate(request: PostingRequest) -> None:
    """Reject postings that make no sense before anything is read or written."""
    if not request.idempotency_key or len(request.idempotency_key) > MAX_KEY_LENGTH:
        raise InvalidPointsError(
            f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is required",
            idempotency_key=request.idempotency_key,
        )
    if not request.operator.strip():
        raise InvalidPointsError("an operator is required", field="operator")
    if request.points == 0 or abs(request.points) > MAX_POINTS_PER_POSTING:
        raise InvalidPointsError(
            f"points must be non-zero and at most {MAX_POINTS_PER_POSTING:,}",
            points=request.points,
        )
    positive = request.operation in GRANTS and request.operation is not Operation.ADJUST
    negative = request.operation in (Operation.REDEEM, Operation.EXPIRE)
    if (positive and request.points < 0) or (negative and request.points > 0):
        raise InvalidPointsError(
            f"{request.operation.value} postings cannot be {request.points:+d} points",
            points=request.points,
        )
    needs_reason = request.operation in (Operation.GIFT, Operation.ADJUST)
    if needs_reason and not (request.reason and request.reason.strip()):
        raise InvalidPointsError(f"a {request.operation.value} needs a reason", field="reason")


def _posting(entry: PointsEntry, member_number: str, *, replayed: bool) -> Posting:
    return Posting(
        entry_id=entry.id,
        member_number=member_number,
        operation=entry.operation,
        points=entry.points,
        valid_after=entry.valid_after,
        cumulative_after=entry.cumulative_after,
        created_at=entry.created_at,
        idempotency_key=entry.idempotency_key,
        replayed=replayed,
    )


def lock_account(session: Session, member_number: str) -> tuple[Member, PointsAccount]:
    """The member and its account row, locked for the rest of the transaction."""
    member = session.scalars(select(Member).where(Member.number == member_number)).one_or_none()
    if member is None:
        raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
    account = session.get(PointsAccount, member.id, with_for_update=True, populate_existing=True)
    if account is None:  # every member gets an account when created
        raise NotFoundError(f"member {member_number} has no points account")
    return member, account


def _consume(
    session: Session, member_id: int, points: int, entry: PointsEntry, *, at: datetime
) -> None:
    """Take ``points`` from the member's live lots, soonest-expiring first."""
    lots = session.scalars(
        select(PointsLot)
        .where(
            PointsLot.member_id == member_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at > at,
        )
        .order_by(PointsLot.expires_at, PointsLot.id)
        .with_for_update()
    )
    still_needed = points
    for lot in lots:
        taken = min(lot.remaining, still_needed)
        lot.remaining -= taken
        session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, points=taken))
        still_needed -= taken
        if still_needed == 0:
            return
    raise AssertionError("account balance and open lots disagree")  # pragma: no cover


def expire_overdue(
    session: Session, member: Member, account: PointsAccount, *, as_of: datetime
) -> list[Posting]:
    """Write one expire entry per overdue lot of a locked account; returns them."""
    overdue = session.scalars(
        select(PointsLot)
        .where(
            PointsLot.member_id == member.id,
            PointsLot.remaining > 0,
            PointsLot.expires_at <= as_of,
        )
        .order_by(PointsLot.expires_at, PointsLot.id)
        .with_for_update()
    ).all()
    postings = []
    for lot in overdue:
        account.valid -= lot.remaining
        entry = PointsEntry(
            member_id=member.id,
            created_at=lot.expires_at,
            operation=Operation.EXPIRE,
            points=-lot.remaining,
            valid_after=account.valid,
            cumulative_after=account.cumulative,
            reason="points reached their expiry date",
            operator="system",
            idempotency_key=f"expire:lot:{lot.id}",
            request_hash="",
            level_at_posting=member.level,
        )
        session.add(entry)
        session.flush()
        session.add(LotConsumption(entry_id=entry.id, lot_id=lot.id, points=lot.remaining))
        lot.remaining = 0
        postings.append(_posting(entry, member.number, replayed=False))
    return postings


def post(
    session: Session, request: PostingRequest, *, now: datetime, validity: timedelta
) -> Posting:
    """Apply one posting inside the caller's transaction (see the module docstring)."""
    validate(request)
    member, account = lock_account(session, request.member_number)
    request_hash = request.content_hash()
    first = session.scalars(
        select(PointsEntry).where(PointsEntry.idempotency_key == request.idempotency_key)
    ).one_or_none()
    if first is not None:
        if first.request_hash != request_hash:
            raise IdempotencyConflictError(
                f"idempotency key {request.idempotency_key!r} was already used "
                "for a different posting",
                idempotency_key=request.idempotency_key,
            )
        return _posting(first, request.member_number, replayed=True)

    expire_overdue(session, member, account, as_of=now)
    is_grant = request.points > 0
    if not is_grant and account.valid < -request.points:
        raise InsufficientPointsError(
            f"member {member.number} has {account.valid:,} valid points, "
            f"{-request.points:,} were asked for",
            valid=account.valid,
            requested=-request.points,
        )
    account.valid += request.points
    if is_grant or request.operation is Operation.ADJUST:
        # Grants add to the cumulative total; a negative adjustment corrects it.
        account.cumulative += request.points
    entry = PointsEntry(
        member_id=member.id,
        created_at=now,
        operation=request.operation,
        points=request.points,
        valid_after=account.valid,
        cumulative_after=account.cumulative,
        order_id=request.order_id,
        rule_id=request.rule_id,
        rule_detail=request.rule_detail,
        item=request.item,
        reason=request.reason,
        operator=request.operator,
        idempotency_key=request.idempotency_key,
        request_hash=request_hash,
        level_at_posting=member.level,
    )
    session.add(entry)
    session.flush()
    if is_grant:
        granted_at = request.granted_at or now
        expires_at = request.expires_at or granted_at + validity
        if expires_at <= now:
            raise InvalidPointsError(
                "these points would already have expired", expires_at=expires_at.isoformat()
            )
        session.add(
            PointsLot(
                member_id=member.id,
                entry_id=entry.id,
                granted=request.points,
                remaining=request.points,
                granted_at=granted_at,
                expires_at=expires_at,
            )
        )
    else:
        _consume(session, member.id, -request.points, entry, at=now)
    return _posting(entry, member.number, replayed=False)
