"""A realistic, reproducible demo data set: members, cards, orders and two years of points.

Everything goes through the CRM's services, so the demo obeys the rules live input
obeys. History is replayed in time order with the services' clock set to each step's moment,
so members, cards, orders, ledger entries, bonuses and expiry are stamped when they
would have happened. The same seed and ``now`` give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.errors import ConflictError, CrmError, InvalidInputError
from crm_core.io.demo_data import (
    MEMBER_TYPES,
    OWNERS,
    REWARDS,
    TYPE_BY_LEVEL,
)
from crm_core.io.demo_people import (
    CardOp,
    MemberPlan,
    between,
    order_fields,
    plan_cards,
    plan_members,
)
from crm_core.loyalty.ledger import PostingRequest
from crm_core.loyalty.models import Operation, PointsEntry, PointsLot, PointsRule
from crm_core.members.models import CardStatus, Member, MemberCard, MemberKind
from crm_core.members.schemas import MemberCreate, MemberUpdate
from crm_core.orders.models import Order
from crm_core.orders.services import OrderIn
from crm_core.wiring import Crm

Progress = Callable[[int, int], None]
"""``progress(done, total)``, called as seeding advances."""

DEMO_NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DEMO_SEED = 20261122
STEPS_PER_TRANSACTION = 200
OPERATOR = "demo-seed"


class DatabaseNotEmptyError(ConflictError):
    """The demo goes into an empty database only."""

    error_id = "database-not-empty"


@dataclass(frozen=True)
class DemoSummary:
    """What the demo put in the database."""

    members: int
    individuals: int
    organisations: int
    cards: int
    cards_lost: int
    cards_replaced: int
    orders: int
    revenue_cents: int
    points_issued: int
    points_redeemed: int
    points_expired: int
    rules: int


Step = Callable[[Session], None]


class _Replay:
    """Runs the planned history against the services with a controlled clock."""

    def __init__(self, crm: Crm, now: datetime) -> None:
        self.crm = crm
        self.moment = now
        self.numbers: dict[int, str] = {}

    def clock(self) -> datetime:
        return self.moment

    def run_batch(self, session: Session, *, batch: list[tuple[datetime, int, Step]]) -> None:
        for at, _, step in batch:
            self.moment = at
            step(session)

    def create(self, session: Session, *, plan: MemberPlan) -> None:
        referred_by = self.numbers[plan.referrer] if plan.referrer is not None else None
        fields = MemberCreate.model_validate({**plan.fields, "referred_by": referred_by})
        view = self.crm.members.create_in(
            session, fields=fields, phones=plan.phones, actor=plan.fields["owner"]
        )
        self.numbers[plan.index] = view.number

    def order(self, session: Session, *, member: int, order: dict[str, Any]) -> None:
        order_in = OrderIn.model_validate({**order, "member_number": self.numbers[member]})
        self.crm.orders.record_in(session, order_in=order_in, operator="pos")

    def grant(
        self,
        session: Session,
        *,
        member: int,
        operation: Operation,
        points: int,
        key: str,
        reason: str,
        operator: str = OPERATOR,
    ) -> None:
        self._post(session, member, operation, points, key, reason=reason, operator=operator)

    def redeem(
        self,
        session: Session,
        *,
        member: int,
        rewards: list[tuple[str, int]],
        key: str,
        operator: str,
    ) -> None:
        valid = self._valid_points(session, member)
        affordable = [reward for reward in rewards if reward[1] <= valid]
        if affordable:
            item, cost = max(affordable, key=lambda reward: reward[1])
            self._post(session, member, Operation.REDEEM, -cost, key, item=item, operator=operator)

    def take_back(self, session: Session, *, member: int, points: int, key: str) -> None:
        taken = min(points, self._valid_points(session, member))
        if taken > 0:
            reason = "撤销重复积分 Duplicate points reversed"
            self._post(session, member, Operation.ADJUST, -taken, key, reason=reason)

    def change(self, session: Session, *, member: int, changes: dict[str, Any], actor: str) -> None:
        number = self.numbers[member]
        fields = MemberUpdate.model_validate(changes)
        self.crm.members.update_in(
            session, number=number, fields=fields, phones=None, actor=actor, at=self.moment
        )

    def _post(
        self,
        session: Session,
        member: int,
        operation: Operation,
        points: int,
        key: str,
        *,
        reason: str | None = None,
        item: str | None = None,
        operator: str = OPERATOR,
    ) -> None:
        request = PostingRequest(
            member_number=self.numbers[member], operation=operation, points=points,
            operator=operator, idempotency_key=key, reason=reason, item=item,
        )  # fmt: skip
        self.crm.points.post_in(session, request)

    def _valid_points(self, session: Session, member: int) -> int:
        member_id = select(Member.id).where(Member.number == self.numbers[member])
        total = session.scalar(
            select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
                PointsLot.member_id == member_id.scalar_subquery(),
                PointsLot.expires_at > self.moment,
            )
        )
        return int(total or 0)


def _plan_history(
    rng: random.Random, replay: _Replay, plans: list[MemberPlan], now: datetime
) -> list[tuple[datetime, int, Step]]:
    """Every ledger-touching step of every member, in time order."""
    steps: list[tuple[datetime, int, Step]] = []

    def add(at: datetime, action: Callable[..., None], **arguments: Any) -> None:
        steps.append((at, len(steps), partial(action, **arguments)))

    orders = 0
    for plan in plans:
        member, owner = plan.index, plan.fields["owner"]
        start, end = plan.registered_at + timedelta(hours=2), now - timedelta(hours=2)
        if plan.level > 1 and start + timedelta(days=30) < end and rng.random() < 0.3:
            # Joined one level lower and was upgraded later: a change-history entry.
            lower = plan.level - 1
            plan.fields.update(level=lower, member_type=TYPE_BY_LEVEL[lower])
            upgrade = {"level": plan.level, "member_type": TYPE_BY_LEVEL[plan.level]}
            at = between(rng, start + timedelta(days=30), end)
            add(at, replay.change, member=member, changes=upgrade, actor=owner)
        add(plan.registered_at, replay.create, plan=plan)
        count = rng.choices((0, 1, 2, 3, 4, 6, 9), (12, 18, 20, 18, 14, 10, 8))[0]
        count += 2 if plan.kind is MemberKind.ORGANISATION else 0
        for _ in range(count):
            at = between(rng, start, end)
            orders += 1
            order = order_fields(rng, plan, at, f"SO{at:%Y%m%d}{orders:05d}")
            add(at, replay.order, member=member, order=order)
        if count and start + timedelta(days=20) < end and rng.random() < 0.4:
            for attempt in range(rng.randint(1, 3)):
                at = between(rng, start + timedelta(days=20), end)
                rewards, key = rng.sample(REWARDS, 3), f"demo:redeem:{member}:{attempt}"
                add(at, replay.redeem, member=member, rewards=rewards, key=key, operator=owner)
        grant = partial(add, action=replay.grant, member=member)
        gift = partial(grant, operation=Operation.GIFT)
        birthday = plan.fields.get("birthday")
        if isinstance(birthday, date) and rng.random() < 0.3:
            for year in range(start.year, now.year + 1):
                at = datetime(year, birthday.month, birthday.day, 10, tzinfo=UTC)
                if start <= at < end:
                    key, reason = f"demo:birthday:{member}:{year}", "生日礼遇 Birthday gift"
                    gift(at, points=500 * plan.level, key=key, reason=reason)
        if plan.kind is MemberKind.ORGANISATION and rng.random() < 0.5:
            key, reason = f"demo:partner:{member}", "年度合作伙伴奖励 Partner reward"
            gift(between(rng, start, end), points=20_000, key=key, reason=reason)
        fix, at = rng.random(), between(rng, start, end)
        if fix < 0.05:
            points, reason = rng.choice((200, 500, 1200, 3000)), "补录积分 Receipt entered late"
            key = f"demo:late:{member}"
            grant(at, operation=Operation.ADJUST, points=points, key=key, reason=reason)
        elif fix < 0.09:
            points = rng.choice((500, 1000, 2000))
            add(at, replay.take_back, member=member, points=points, key=f"demo:reverse:{member}")
        if rng.random() < 0.06:
            changes, at = {"owner": rng.choice(OWNERS)}, between(rng, start, end)
            add(at, replay.change, member=member, changes=changes, actor="主管 supervisor")
    return sorted(steps, key=lambda step: (step[0], step[1]))


async def _run_card_op(crm: Crm, replay: _Replay, op: CardOp) -> None:
    actor = "前台 front desk"
    if op.action == "issue":
        assert op.uid is not None
        await crm.cards.issue(op.card, op.uid, card_type=op.card_type, actor=actor)
    elif op.action == "bind":
        assert op.member is not None
        await crm.cards.bind(op.card, replay.numbers[op.member], actor=actor)
    elif op.action == "lost":
        await crm.cards.report_lost(op.card, actor="客服 call centre", note="会员来电挂失")
    elif op.action == "cancel":
        await crm.cards.cancel(op.card, actor=actor, note="印刷错误 misprint")
    else:
        assert op.new_card is not None
        assert op.uid is not None
        await crm.cards.replace(op.card, op.new_card, op.uid, actor=actor)


async def _define_rules(crm: Crm, now: datetime) -> int:
    """The brochure's rules, in force since three years back; two with a past window."""
    since = datetime(now.year - 3, 1, 1, tzinfo=UTC)
    raised = datetime(now.year - 1, 7, 1, tzinfo=UTC)
    show = (datetime(now.year - 1, 4, 1, tzinfo=UTC), datetime(now.year - 1, 5, 1, tzinfo=UTC))
    tier = {"kind": "order_amount", "multiplier": "1", "valid_from": since}
    definitions: list[dict[str, object]] = [
        {**tier, "name": "消费积分 ×1", "threshold": "0"},
        {**tier, "name": "满 5,000 ×1 +100", "threshold": "5000", "offset_points": 100},
        {**tier, "name": "满 10,000 ×1 +300", "threshold": "10000", "offset_points": 300,
         "valid_to": raised},
        {**tier, "name": "满 10,000 ×1 +500", "threshold": "10000", "offset_points": 500,
         "valid_from": raised},
        {"kind": "order_line", "name": "珠宝加倍 jewellery ×1 extra", "category": "jewellery",
         "multiplier": "1", "valid_from": since},
        {"kind": "order_line", "name": "车展双倍 auto show ×1 extra", "category": "auto",
         "multiplier": "1", "valid_from": show[0], "valid_to": show[1]},
        {"kind": "event", "name": "注册奖励 registration", "event": "registration",
         "offset_points": 1000, "valid_from": since},
        {"kind": "event", "name": "推荐奖励 referral", "event": "referral",
         "offset_points": 2000, "valid_from": since},
        {"kind": "event", "name": "新机构会员 new organisation member",
         "event": "new_organisation_member", "offset_points": 500, "valid_from": since},
    ]  # fmt: skip
    for definition in definitions:
        await crm.rules.define(definition, actor=OPERATOR)
    return len(definitions)


async def _refuse_unless_empty(crm: Crm) -> None:
    async with crm.db.read() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        rules = await session.scalar(select(func.count()).select_from(PointsRule))
    if members or rules:
        raise DatabaseNotEmptyError(
            f"the database already holds {members or 0:,} members and {rules or 0:,} points "
            "rules; demo data goes into an empty database only",
            members=members or 0,
            rules=rules or 0,
        )


async def demo_summary(crm: Crm) -> DemoSummary:
    """Counts of what is in the database, as the demo reports them."""
    grants = (Operation.EARN, Operation.BONUS, Operation.GIFT, Operation.ADJUST)
    async with crm.db.read() as session:
        kinds = dict(
            (await session.execute(select(Member.kind, func.count()).group_by(Member.kind))).all()
        )
        statuses = dict(
            (
                await session.execute(
                    select(MemberCard.status, func.count()).group_by(MemberCard.status)
                )
            ).all()
        )
        orders, revenue = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Order.total_cents), 0))
            )
        ).one()
        sums = dict(
            (
                await session.execute(
                    select(PointsEntry.operation, func.sum(PointsEntry.points))
                    .where((PointsEntry.points > 0) | PointsEntry.operation.not_in(grants))
                    .group_by(PointsEntry.operation)
                )
            ).all()
        )
        rules = await session.scalar(select(func.count()).select_from(PointsRule))
    individuals = kinds.get(MemberKind.INDIVIDUAL, 0)
    organisations = kinds.get(MemberKind.ORGANISATION, 0)
    return DemoSummary(
        members=individuals + organisations,
        individuals=individuals,
        organisations=organisations,
        cards=sum(statuses.values()),
        cards_lost=statuses.get(CardStatus.LOST, 0),
        cards_replaced=statuses.get(CardStatus.REPLACED, 0),
        orders=int(orders),
        revenue_cents=int(revenue),
        points_issued=sum(int(sums.get(op) or 0) for op in grants),
        points_redeemed=-int(sums.get(Operation.REDEEM) or 0),
        points_expired=-int(sums.get(Operation.EXPIRE) or 0),
        rules=int(rules or 0),
    )


async def seed_demo(
    crm: Crm,
    *,
    members: int = 200,
    seed: int = DEMO_SEED,
    now: datetime = DEMO_NOW,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with ``members`` members and about two years of history up to ``now``.

    The same ``seed`` and ``now`` give the same members, cards, orders and ledger.
    While it runs, the services' clock follows the replayed history; it is restored at
    the end. Refuses with :class:`DatabaseNotEmptyError` when members or rules exist.
    """
    if not 1 <= members <= 100_000:
        raise InvalidInputError("the demo has 1 to 100,000 members", members=members)
    if now.tzinfo is None:
        raise InvalidInputError("`now` needs a time zone")
    await _refuse_unless_empty(crm)
    rng = random.Random(seed)
    plans = plan_members(rng, members, now)
    replay = _Replay(crm, now)
    steps = _plan_history(rng, replay, plans, now)
    card_ops = plan_cards(rng, plans, now)
    total, done = len(steps) + len(card_ops) + 2, 0
    report = progress or (lambda _done, _total: None)
    report(0, total)
    original_clock = crm.set_clock(replay.clock)
    try:
        for code, name in MEMBER_TYPES:
            await crm.members.add_member_type(code, name)
        replay.moment = datetime(now.year - 3, 1, 1, tzinfo=UTC)  # when the rules began
        await _define_rules(crm, now)
        for start in range(0, len(steps), STEPS_PER_TRANSACTION):
            batch = steps[start : start + STEPS_PER_TRANSACTION]
            await crm.db.run_write(partial(replay.run_batch, batch=batch))
            done += len(batch)
            report(done, total)
        for op in card_ops:
            replay.moment = op.at
            await _run_card_op(crm, replay, op)
            done += 1
            if done % 20 == 0:
                report(done, total)
        replay.moment = now
        await crm.points.expire()
    finally:
        crm.set_clock(original_clock)
    problems = await crm.points.check_invariants()
    if problems:
        raise CrmError(
            "the demo data breaks the points invariants",
            members=[problem.member_number for problem in problems[:10]],
        )
    summary = await demo_summary(crm)
    report(total, total)
    return summary
