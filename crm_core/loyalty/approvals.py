"""Points changes asked for by staff: posted at once within an agent's limits, otherwise
kept as a pending approval that a supervisor approves (it is posted then) or rejects.

One transaction per request, in this order: lock the member's account; a key seen
before replays (the posting, or the approval it is waiting in); find how the member
proved who they are on the call; refuse a spending above the valid points; lock the
agent's staff row and add up the agent's
postings of that operation today (so two requests of one agent cannot both fit under
the daily limit); then post, or write the pending approval, which mints nothing.
Approving locks the approval row, posts under the approval's own key (so even a second
approval could not post twice) and writes the supervisor audit entry in the same
transaction; deciding an approval already decided is ``approval-already-decided``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty import ledger
from crm_core.loyalty.exceptions import (
    ApprovalDecidedError,
    IdempotencyConflictError,
    InsufficientPointsError,
)
from crm_core.loyalty.keys import client_key
from crm_core.loyalty.limits import PointsLimits, approval_need
from crm_core.loyalty.models import (
    ApprovalStatus,
    Operation,
    PointsApproval,
    PointsEntry,
    Verification,
)
from crm_core.loyalty.requests import PostingRequest
from crm_core.loyalty.schemas import ApprovalView, ChangeOutcome
from crm_core.loyalty.services import Clock, PointsService
from crm_core.members.models import Member
from crm_core.members.taps import card_tap_verifies
from crm_core.selfservice.models import IvrCallIdentity
from crm_core.staff.models import User
from crm_core.supervision.models import SupervisorAction

CHANGES = frozenset({Operation.GIFT, Operation.ADJUST, Operation.REDEEM})


@dataclass(frozen=True)
class ChangeRequest:
    """A gift, adjustment or redemption a staff member asks for, with the key they chose.

    ``points`` is signed as in the ledger (a redemption is negative). ``call_linked_id``
    is the call the member is on: a PIN typed in the IVR on it verifies the member.
    """

    member_number: str
    operation: Operation
    points: int
    operator: str
    idempotency_key: str
    reason: str | None = None
    item: str | None = None
    call_linked_id: str | None = None


def _verification(
    session: Session,
    member_id: int,
    call_linked_id: str | None,
    *,
    operator: str,
    now: datetime,
    card_tap_window: timedelta,
) -> Verification | None:
    """How the member proved who they are: a PIN typed in the IVR on the call, or their
    active card tapped at the operator's desk within ``card_tap_window``."""
    if call_linked_id:
        pin = session.scalar(
            select(IvrCallIdentity.id).where(
                IvrCallIdentity.call_linked_id == call_linked_id,
                IvrCallIdentity.member_id == member_id,
                IvrCallIdentity.method == "pin",
            )
        )
        if pin is not None:
            return Verification.IVR_PIN
    tapped = card_tap_verifies(
        session, member_id=member_id, operator=operator, now=now, window=card_tap_window
    )
    return Verification.CARD_TAP if tapped else None


def _as_first_asked(request: PostingRequest, first_hash: str | None) -> PostingRequest:
    """The replay of a request under the verification it was first asked with.

    A card tap verifies for a few minutes only: a retry after that must still replay the
    change (same key, same content), not conflict with it.
    """
    if first_hash is None or request.content_hash() == first_hash:
        return request
    for verification in (None, *Verification):
        candidate = replace(request, verification=verification)
        if candidate.content_hash() == first_hash:
            return candidate
    return request


def _done_today(session: Session, operator: str, operation: Operation, now: datetime) -> int:
    """The size of ``operator``'s postings of ``operation`` today (UTC), staff row locked."""
    lock = select(User.id).where(User.login == operator)
    if session.get_bind().dialect.name != "sqlite":  # SQLite's writer lock serialises already
        lock = lock.with_for_update()
    session.execute(lock)
    start = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    total = session.scalar(
        select(func.coalesce(func.sum(func.abs(PointsEntry.points)), 0)).where(
            PointsEntry.operator == operator,
            PointsEntry.operation == operation,
            PointsEntry.created_at >= start,
            PointsEntry.created_at < start + timedelta(days=1),
        )
    )
    return int(total or 0)


def _view(row: PointsApproval, member_number: str) -> ApprovalView:
    return ApprovalView(
        approval_id=row.id,
        member_number=member_number,
        operation=row.operation,
        points=row.points,
        reason=row.reason,
        item=row.item,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        call_linked_id=row.call_linked_id,
        verification=row.verification,
        needs=row.needs,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        entry_id=row.entry_id,
    )


def _posting_request(row: PointsApproval, member_number: str) -> PostingRequest:
    return PostingRequest(
        member_number=member_number,
        operation=row.operation,
        points=row.points,
        operator=row.requested_by,
        idempotency_key=row.idempotency_key,
        reason=row.reason,
        item=row.item,
        verification=row.verification,
    )


class PointsApprovals:
    """Staff's points changes under the agents' limits, and the supervisors' decisions."""

    def __init__(
        self,
        *,
        db: Database,
        points: PointsService,
        limits: PointsLimits | None = None,
        card_tap_window: timedelta = timedelta(minutes=5),
        clock: Clock = utcnow,
    ) -> None:
        self._db = db
        self._points = points
        self.limits = limits or PointsLimits()
        self.card_tap_window = card_tap_window
        """How long a card tap at an operator's desk verifies the member for redemptions."""
        self.clock = clock

    async def request(self, change: ChangeRequest, *, limited: bool) -> ChangeOutcome:
        """Post ``change`` or keep it for approval; ``limited``: the agents' limits apply."""
        if change.operation not in CHANGES:
            raise InvalidInputError(
                "only gifts, adjustments and redemptions are asked for",
                operation=change.operation.value,
            )
        stored = client_key(change.operator, change.idempotency_key)
        request = PostingRequest(
            member_number=change.member_number, operation=change.operation,
            points=change.points, operator=change.operator, idempotency_key=stored,
            reason=change.reason, item=change.item,
        )  # fmt: skip
        ledger.validate(request)

        def work(session: Session) -> ChangeOutcome:
            return self._request_in(session, request, change, limited=limited)

        try:
            outcome = await self._db.run_write(work)
        except IntegrityError:  # the same key committed meanwhile on another member
            outcome = await self._db.run_write(work)
        if outcome.posting is not None:
            posting = replace(outcome.posting, idempotency_key=change.idempotency_key)
            return ChangeOutcome(posting=posting)
        return outcome

    def _request_in(
        self, session: Session, request: PostingRequest, change: ChangeRequest, *, limited: bool
    ) -> ChangeOutcome:
        run = StatementRunner.of(session)
        account = ledger.lock_account(run, request.member_number, request.idempotency_key)
        now = self.clock()
        verification = _verification(
            session, account.member_id, change.call_linked_id,
            operator=change.operator, now=now, card_tap_window=self.card_tap_window,
        )  # fmt: skip
        request = replace(request, verification=verification)
        if account.seen_hash is not None:  # posted before: the ledger replays it
            request = _as_first_asked(request, account.seen_hash)
            return ChangeOutcome(posting=self._points.post_in(session, request))
        waiting = session.scalar(
            select(PointsApproval).where(PointsApproval.idempotency_key == request.idempotency_key)
        )
        if waiting is not None:
            request = _as_first_asked(request, waiting.request_hash)
            if waiting.request_hash != request.content_hash():
                raise IdempotencyConflictError(
                    f"idempotency key {change.idempotency_key!r} was already used "
                    "for a different change",
                    idempotency_key=change.idempotency_key,
                )
            return ChangeOutcome(approval=_view(waiting, account.member_number), replayed=True)
        ledger.expire_overdue(run, account, as_of=now)
        if account.valid < -request.points:  # refused now rather than kept to fail later
            raise InsufficientPointsError(
                f"member {account.member_number} has {account.valid:,} valid points, "
                f"{-request.points:,} were asked for",
                valid=account.valid,
                requested=-request.points,
            )
        need = None
        if limited:
            done = _done_today(session, request.operator, request.operation, now)
            need = approval_need(
                request.operation, request.points, done_today=done,
                limits=self.limits, verification=verification,
            )  # fmt: skip
        if need is None:
            return ChangeOutcome(posting=self._points.post_in(session, request))
        row = PointsApproval(
            member_id=account.member_id, operation=request.operation, points=request.points,
            reason=request.reason, item=request.item, requested_by=request.operator,
            requested_at=now, idempotency_key=request.idempotency_key,
            request_hash=request.content_hash(), call_linked_id=change.call_linked_id,
            verification=verification, needs=need.value, status=ApprovalStatus.PENDING,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return ChangeOutcome(approval=_view(row, account.member_number))

    async def pending(self, *, limit: int = 100) -> list[ApprovalView]:
        """Changes waiting for a supervisor, oldest first."""
        query = (
            select(PointsApproval, Member.number)
            .join(Member, Member.id == PointsApproval.member_id)
            .where(PointsApproval.status == ApprovalStatus.PENDING)
            .order_by(PointsApproval.requested_at, PointsApproval.id)
            .limit(limit)
        )
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return [_view(row, number) for row, number in rows]

    async def approve(self, approval_id: int, *, supervisor: str) -> ApprovalView:
        """Post a pending change; audited. The posting's balance rules still apply."""

        def work(session: Session) -> ApprovalView:
            row, number = self._pending_row(session, approval_id)
            posting = self._points.post_in(session, _posting_request(row, number))
            self._decide(session, row, supervisor, ApprovalStatus.APPROVED, None)
            row.entry_id = posting.entry_id
            return _view(row, number)

        return await self._db.run_write(work)

    async def reject(self, approval_id: int, *, supervisor: str, note: str) -> ApprovalView:
        """Refuse a pending change (nothing is posted); audited with the supervisor's note."""
        if not note.strip():
            raise InvalidInputError("say why the change is rejected", field="note")

        def work(session: Session) -> ApprovalView:
            row, number = self._pending_row(session, approval_id)
            self._decide(session, row, supervisor, ApprovalStatus.REJECTED, note)
            return _view(row, number)

        return await self._db.run_write(work)

    def _pending_row(self, session: Session, approval_id: int) -> tuple[PointsApproval, str]:
        query: Any = (
            select(PointsApproval, Member.number)
            .join(Member, Member.id == PointsApproval.member_id)
            .where(PointsApproval.id == approval_id)
        )
        if session.get_bind().dialect.name != "sqlite":
            query = query.with_for_update(of=PointsApproval)
        found = session.execute(query).one_or_none()
        if found is None:
            raise NotFoundError(f"no points approval {approval_id}", approval_id=approval_id)
        row, number = found
        if row.status is not ApprovalStatus.PENDING:
            raise ApprovalDecidedError(
                f"points approval {approval_id} was already {row.status.value} by {row.decided_by}",
                approval_id=approval_id,
                status=row.status.value,
            )
        return row, number

    def _decide(
        self,
        session: Session,
        row: PointsApproval,
        supervisor: str,
        status: ApprovalStatus,
        note: str | None,
    ) -> None:
        now = self.clock()
        row.status, row.decided_by, row.decided_at, row.decision_note = (
            status,
            supervisor,
            now,
            note,
        )
        verb = "approve" if status is ApprovalStatus.APPROVED else "reject"
        detail = f"approval {row.id}: {row.operation.value} {row.points:+d} ({row.needs})"
        session.add(
            SupervisorAction(
                at=now, supervisor=supervisor[:32], action=f"points-{verb}",
                call_id=row.call_linked_id, agent=row.requested_by[:32],
                detail=f"{detail}: {note}"[:500] if note else detail, outcome="done",
            )
        )  # fmt: skip
