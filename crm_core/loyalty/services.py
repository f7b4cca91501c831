"""The points service: grants, gifts, adjustments, redemptions, expiry and balances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty import ledger
from crm_core.loyalty.keys import client_key
from crm_core.loyalty.ledger import PostingRequest
from crm_core.loyalty.models import (
    BonusEvent,
    Operation,
    PointsAccount,
    PointsEntry,
    PointsLot,
    PointsRule,
    RuleKind,
)
from crm_core.loyalty.schemas import (
    ExpiringLot,
    ExpiryReport,
    InvariantProblem,
    PointsSummary,
    Posting,
)
from crm_core.members.models import Member

Clock = Callable[[], datetime]
EXPIRY_BATCH_MEMBERS = 500


def active_bonus_rule(session: Session, event: BonusEvent, at: datetime) -> PointsRule | None:
    """The event rule valid at ``at`` (rule definitions forbid two at once)."""
    return session.scalars(
        select(PointsRule).where(
            PointsRule.kind == RuleKind.EVENT,
            PointsRule.event == event,
            PointsRule.valid_from <= at,
            (PointsRule.valid_to.is_(None)) | (PointsRule.valid_to > at),
        )
    ).first()


class PointsService:
    """Posts to the ledger and answers balance questions; one transaction per posting."""

    def __init__(self, *, db: Database, validity_days: int = 730, clock: Clock = utcnow) -> None:
        self._db = db
        self.validity = timedelta(days=validity_days)
        self.clock = clock

    # -- postings ---------------------------------------------------------------------
    def post_in(self, session: Session, request: PostingRequest) -> Posting:
        """Post inside a caller's unit of work (member creation, orders)."""
        return self._post(StatementRunner.of(session), request)

    def _post(self, run: StatementRunner, request: PostingRequest) -> Posting:
        return ledger.post(run, request, now=self.clock(), validity=self.validity)

    async def post(self, request: PostingRequest) -> Posting:
        """Post in a transaction of its own; a concurrent duplicate key resolves to a replay."""
        ledger.validate(request)
        try:
            return await self._db.run_statements(partial(self._post, request=request))
        except IntegrityError:
            # Another transaction committed the same key between our check and insert
            # (different members, so different account locks): read it back.
            return await self._db.run_statements(partial(self._post, request=request))

    async def post_for_client(self, request: PostingRequest) -> Posting:
        """Post a request whose key its operator chose, in the operator's key namespace.

        The result carries the key as the operator chose it (see :mod:`crm_core.loyalty.keys`).
        """
        stored = client_key(request.operator, request.idempotency_key)
        posting = await self.post(replace(request, idempotency_key=stored))
        return replace(posting, idempotency_key=request.idempotency_key)

    async def gift(
        self,
        member_number: str,
        points: int,
        *,
        reason: str,
        operator: str,
        idempotency_key: str,
        expires_at: datetime | None = None,
    ) -> Posting:
        """Give points as a gift (赠送); needs a reason and an operator."""
        return await self.post_for_client(
            PostingRequest(
                member_number=member_number,
                operation=Operation.GIFT,
                points=points,
                reason=reason,
                operator=operator,
                idempotency_key=idempotency_key,
                expires_at=expires_at,
            )
        )

    async def adjust(
        self,
        member_number: str,
        delta: int,
        *,
        reason: str,
        operator: str,
        idempotency_key: str,
    ) -> Posting:
        """Correct a balance up or down by hand; needs a reason and an operator."""
        return await self.post_for_client(
            PostingRequest(
                member_number=member_number,
                operation=Operation.ADJUST,
                points=delta,
                reason=reason,
                operator=operator,
                idempotency_key=idempotency_key,
            )
        )

    async def redeem(
        self,
        member_number: str,
        points: int,
        *,
        item: str,
        operator: str,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Posting:
        """Spend valid points on goods or services (积分兑换)."""
        if points <= 0:
            raise InvalidInputError("points to redeem must be positive", points=points)
        if not item.strip():
            raise InvalidInputError("say what the points are redeemed for", field="item")
        return await self.post_for_client(
            PostingRequest(
                member_number=member_number,
                operation=Operation.REDEEM,
                points=-points,
                item=item,
                reason=reason,
                operator=operator,
                idempotency_key=idempotency_key,
            )
        )

    def bonus_in(
        self,
        session: Session,
        member_number: str,
        event: BonusEvent,
        *,
        operator: str,
        idempotency_key: str,
    ) -> Posting | None:
        """Post the bonus of the event rule valid now, if there is one."""
        rule = active_bonus_rule(session, event, self.clock())
        if rule is None or rule.offset_points <= 0:
            return None
        return self.post_in(
            session,
            PostingRequest(
                member_number=member_number,
                operation=Operation.BONUS,
                points=rule.offset_points,
                rule_id=rule.id,
                rule_detail=rule.name,
                operator=operator,
                idempotency_key=idempotency_key,
            ),
        )

    # -- expiry -----------------------------------------------------------------------
    async def expire(
        self,
        *,
        as_of: datetime | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ExpiryReport:
        """Expire every overdue lot (清零); ``progress(done, total)`` is called per batch."""
        now = self.clock()
        as_of = as_of or now
        if as_of > now:
            raise InvalidInputError(
                "points cannot be expired ahead of time", as_of=as_of.isoformat()
            )
        async with self._db.read() as session:
            member_ids = list(
                await session.scalars(
                    select(PointsLot.member_id)
                    .where(PointsLot.remaining > 0, PointsLot.expires_at <= as_of)
                    .distinct()
                    .order_by(PointsLot.member_id)
                )
            )
        lots = points = 0
        for start in range(0, len(member_ids), EXPIRY_BATCH_MEMBERS):
            batch = member_ids[start : start + EXPIRY_BATCH_MEMBERS]
            postings = await self._db.run_write(partial(_expire_batch, batch, as_of=as_of))
            lots += len(postings)
            points += -sum(p.points for p in postings)
            if progress is not None:
                progress(min(start + EXPIRY_BATCH_MEMBERS, len(member_ids)), len(member_ids))
        return ExpiryReport(lots=lots, points=points, members=len(member_ids))

    # -- reading ----------------------------------------------------------------------
    async def summary(self, member_number: str, *, expiring_within_days: int = 30) -> PointsSummary:
        """Valid and cumulative points, and what expires within the next days."""
        now = self.clock()
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(Member.id, PointsAccount.cumulative)
                    .join(PointsAccount, PointsAccount.member_id == Member.id)
                    .where(Member.number == member_number)
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            member_id, cumulative = row
            lots = (
                await session.execute(
                    select(PointsLot.remaining, PointsLot.expires_at)
                    .where(
                        PointsLot.member_id == member_id,
                        PointsLot.remaining > 0,
                        PointsLot.expires_at > now,
                    )
                    .order_by(PointsLot.expires_at)
                )
            ).all()
        horizon = now + timedelta(days=expiring_within_days)
        expiring: dict[datetime, int] = defaultdict(int)
        for remaining, expires_at in lots:
            if expires_at <= horizon:
                expiring[expires_at] += remaining
        return PointsSummary(
            member_number=member_number,
            valid=sum(remaining for remaining, _ in lots),
            cumulative=cumulative,
            expiring_soon=tuple(ExpiringLot(p, at) for at, p in sorted(expiring.items())),
        )

    async def check_invariants(self) -> list[InvariantProblem]:
        """Members whose account, open lots and ledger disagree (empty when all is well)."""
        grant_operations = [Operation.EARN, Operation.BONUS, Operation.GIFT, Operation.ADJUST]
        async with self._db.read() as session:

            async def per_member(query: Select[int, int]) -> dict[int, int]:
                return {
                    member_id: int(total or 0) for member_id, total in await session.execute(query)
                }

            lots = await per_member(
                select(PointsLot.member_id, func.sum(PointsLot.remaining)).group_by(
                    PointsLot.member_id
                )
            )
            entries = await per_member(
                select(PointsEntry.member_id, func.sum(PointsEntry.points)).group_by(
                    PointsEntry.member_id
                )
            )
            grants = await per_member(
                select(PointsEntry.member_id, func.sum(PointsEntry.points))
                .where(PointsEntry.operation.in_(grant_operations))
                .group_by(PointsEntry.member_id)
            )
            accounts = (
                await session.execute(
                    select(Member.number, PointsAccount).join(
                        PointsAccount, PointsAccount.member_id == Member.id
                    )
                )
            ).all()
        problems = []
        for number, account in accounts:
            in_lots = lots.get(account.member_id, 0)
            in_entries = entries.get(account.member_id, 0)
            granted = grants.get(account.member_id, 0)
            if not (
                account.valid == in_lots == in_entries
                and account.cumulative == granted
                and account.valid >= 0
                and account.cumulative >= account.valid
            ):
                problems.append(
                    InvariantProblem(
                        member_number=number,
                        account_valid=account.valid,
                        lots_remaining=in_lots,
                        entries_sum=in_entries,
                        account_cumulative=account.cumulative,
                        grants_minus_corrections=granted,
                    )
                )
        return problems


def _expire_batch(member_ids: list[int], session: Session, *, as_of: datetime) -> list[Posting]:
    postings: list[Posting] = []
    run = StatementRunner.of(session)
    for member_id in member_ids:
        account = ledger.lock_account_by_id(run, member_id)
        postings.extend(ledger.expire_overdue(run, account, as_of=as_of))
    return postings
