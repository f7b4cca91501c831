"""The points ledger on real databases: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from crm_core.errors import ConflictError, InvalidInputError, NotFoundError
from crm_core.loyalty.exceptions import (
    IdempotencyConflictError,
    InsufficientPointsError,
    InvalidPointsError,
    OverlappingRuleError,
)
from crm_core.loyalty.models import Operation
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.crm import EPOCH, brochure_rules, new_member, order, snapshot


async def test_orders_earn_points_by_the_brochure_tiers(any_crm: Crm, clock: Clock) -> None:
    await brochure_rules(any_crm)
    number = await new_member(any_crm)  # +1,000 registration bonus
    now = clock()
    small = await any_crm.orders.record(
        order("O-1", number, now, ("P1", "home", "4999.99")), operator="shop"
    )
    middle = await any_crm.orders.record(
        order("O-2", number, now, ("P2", "auto", "5000.00")), operator="shop"
    )
    big = await any_crm.orders.record(
        order("O-3", number, now, ("P3", "auto", "9000"), ("R1", "jewellery", "2500.50")),
        operator="shop",
    )
    assert small.points == 4999  # floor(4,999.99 × 1) + 0
    assert middle.points == 5100  # 5,000 × 1 + 100
    assert big.points == 11500 + 500 + 2500  # tier 10,000 on 11,500.50, plus jewellery bonus
    summary = await any_crm.points.summary(number)
    assert summary.valid == summary.cumulative == 1000 + 4999 + 5100 + 14500
    assert await any_crm.points.check_invariants() == []


async def test_a_retried_order_returns_the_first_result_and_changes_nothing(
    any_crm: Crm, clock: Clock
) -> None:
    await brochure_rules(any_crm)
    number = await new_member(any_crm)
    body = order("O-9", number, clock(), ("P1", "home", "100"))
    first = await any_crm.orders.record(body, operator="shop")
    before = await snapshot(any_crm.db)
    again = await any_crm.orders.record(body, operator="shop")
    assert again.replayed and (again.points, again.valid_after) == (first.points, first.valid_after)
    assert await snapshot(any_crm.db) == before
    changed = order("O-9", number, clock(), ("P1", "home", "200"))
    with pytest.raises(ConflictError):
        await any_crm.orders.record(changed, operator="shop")
    assert await snapshot(any_crm.db) == before


async def test_idempotency_keys_replay_or_refuse(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    gift = await any_crm.points.gift(
        number, 300, reason="complaint goodwill", operator="sup1", idempotency_key="req-1"
    )
    replay = await any_crm.points.gift(
        number, 300, reason="complaint goodwill", operator="sup1", idempotency_key="req-1"
    )
    assert replay.replayed and replay.entry_id == gift.entry_id
    assert replay.valid_after == gift.valid_after == 300
    before = await snapshot(any_crm.db)
    with pytest.raises(IdempotencyConflictError):
        await any_crm.points.gift(
            number, 301, reason="complaint goodwill", operator="sup1", idempotency_key="req-1"
        )
    with pytest.raises(IdempotencyConflictError):
        await any_crm.points.redeem(
            number, 300, item="mug", operator="sup1", idempotency_key="req-1"
        )
    assert await snapshot(any_crm.db) == before


async def test_redemption_spends_the_soonest_expiring_points_first(
    any_crm: Crm, clock: Clock
) -> None:
    number = await new_member(any_crm)
    late = clock() + timedelta(days=300)
    early = clock() + timedelta(days=20)
    await any_crm.points.gift(
        number, 500, reason="r", operator="op", idempotency_key="late", expires_at=late
    )
    await any_crm.points.gift(
        number, 400, reason="r", operator="op", idempotency_key="early", expires_at=early
    )
    posting = await any_crm.points.redeem(
        number, 450, item="coffee voucher", operator="op", idempotency_key="spend"
    )
    assert posting.valid_after == 450
    summary = await any_crm.points.summary(number)
    assert summary.expiring_soon == ()  # the early lot is gone entirely
    clock.advance(days=25)
    report = await any_crm.points.expire()
    assert (report.lots, report.points) == (0, 0)
    clock.advance(days=290)
    report = await any_crm.points.expire()
    assert (report.lots, report.points, report.members) == (1, 450, 1)
    summary = await any_crm.points.summary(number)
    assert (summary.valid, summary.cumulative) == (0, 900)
    assert await any_crm.points.check_invariants() == []


async def test_expiry_writes_expire_entries_and_warns_ahead(any_crm: Crm, clock: Clock) -> None:
    number = await new_member(any_crm)
    await any_crm.points.gift(
        number,
        700,
        reason="r",
        operator="op",
        idempotency_key="g",
        expires_at=clock() + timedelta(days=10),
    )
    summary = await any_crm.points.summary(number, expiring_within_days=30)
    assert [lot.points for lot in summary.expiring_soon] == [700]
    clock.advance(days=11)
    # A spend after the expiry date expires the lot first, then finds nothing to spend.
    with pytest.raises(InsufficientPointsError):
        await any_crm.points.redeem(number, 1, item="x", operator="op", idempotency_key="r")
    await any_crm.points.expire()
    lines = await any_crm.reports.ledger(member_number=number)
    assert [(line.operation, line.points, line.valid_after) for line in lines] == [
        (Operation.EXPIRE, -700, 0),
        (Operation.GIFT, 700, 700),
    ]
    assert lines[0].created_at == clock.now - timedelta(days=1)  # dated when it expired
    with pytest.raises(InvalidInputError):
        await any_crm.points.expire(as_of=clock() + timedelta(days=1))


async def test_bad_postings_change_nothing(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    await any_crm.points.gift(number, 100, reason="r", operator="op", idempotency_key="g")
    before = await snapshot(any_crm.db)
    with pytest.raises(InsufficientPointsError) as error:
        await any_crm.points.redeem(number, 101, item="mug", operator="op", idempotency_key="a")
    assert error.value.details == {"valid": 100, "requested": 101}
    for points in (0, -5):
        with pytest.raises(InvalidInputError):
            await any_crm.points.redeem(
                number, points, item="mug", operator="op", idempotency_key=f"z{points}"
            )
        with pytest.raises(InvalidPointsError):
            await any_crm.points.gift(
                number, points, reason="r", operator="op", idempotency_key=f"g{points}"
            )
    with pytest.raises(InvalidPointsError):
        await any_crm.points.gift(number, 10, reason=" ", operator="op", idempotency_key="b")
    with pytest.raises(InvalidPointsError):
        await any_crm.points.adjust(number, 10, reason="fix", operator="", idempotency_key="c")
    with pytest.raises(InsufficientPointsError):
        await any_crm.points.adjust(number, -101, reason="fix", operator="op", idempotency_key="d")
    with pytest.raises(NotFoundError):
        await any_crm.points.gift("I-99999999", 10, reason="r", operator="op", idempotency_key="e")
    with pytest.raises(NotFoundError):
        await any_crm.orders.record(
            order("O-x", "I-99999999", EPOCH, ("P", "c", "1")), operator="shop"
        )
    for amount in ("0", "-3", "1.001"):
        with pytest.raises(InvalidInputError):
            await any_crm.orders.record(
                order(f"O-{amount}", number, EPOCH, ("P", "c", amount)), operator="shop"
            )
    assert await snapshot(any_crm.db) == before


async def test_negative_adjustment_corrects_cumulative_points(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    await any_crm.points.gift(number, 500, reason="r", operator="op", idempotency_key="g")
    await any_crm.points.redeem(number, 100, item="mug", operator="op", idempotency_key="r")
    posting = await any_crm.points.adjust(
        number, -200, reason="gift entered twice", operator="sup", idempotency_key="a"
    )
    assert (posting.valid_after, posting.cumulative_after) == (200, 300)
    assert await any_crm.points.check_invariants() == []


async def test_overlapping_rules_are_refused(any_crm: Crm) -> None:
    await brochure_rules(any_crm)
    before = await snapshot(any_crm.db)
    clash = {
        "kind": "order_amount",
        "name": "again 5000",
        "threshold": 5000,
        "multiplier": 2,
        "valid_from": EPOCH + timedelta(days=400),
    }
    with pytest.raises(OverlappingRuleError):
        await any_crm.rules.define(clash, actor="admin")
    with pytest.raises(OverlappingRuleError):
        await any_crm.rules.define(
            {
                "kind": "order_line",
                "name": "jewels",
                "category": "jewellery",
                "multiplier": 3,
                "valid_from": EPOCH,
            },
            actor="admin",
        )
    with pytest.raises(InvalidInputError):  # a rule naming both a product and a category
        await any_crm.rules.define(
            {
                "kind": "order_line",
                "name": "x",
                "category": "c",
                "product_code": "p",
                "multiplier": 1,
                "valid_from": EPOCH,
            },
            actor="admin",
        )
    assert await snapshot(any_crm.db) == before
    # Once the old tier ends, a new one for the same threshold may start.
    tier = next(r for r in await any_crm.rules.list() if r.threshold_cents == 500000)
    await any_crm.rules.end(tier.rule_id, at=EPOCH + timedelta(days=400))
    new = await any_crm.rules.define(clash, actor="admin")
    assert new.multiplier == Decimal(2)


async def test_rules_apply_by_the_order_time(any_crm: Crm, clock: Clock) -> None:
    number = await new_member(any_crm)
    start = clock() - timedelta(days=10)
    await any_crm.rules.define(
        {
            "kind": "order_amount",
            "name": "double week",
            "threshold": 0,
            "multiplier": 2,
            "valid_from": start,
            "valid_to": start + timedelta(days=7),
        },
        actor="admin",
    )
    inside = await any_crm.orders.record(
        order("A", number, start + timedelta(days=1), ("P", "c", "10")), operator="shop"
    )
    after = await any_crm.orders.record(
        order("B", number, start + timedelta(days=8), ("P", "c", "10")), operator="shop"
    )
    assert (inside.points, after.points) == (20, 0)


async def test_ledger_query_and_statistics(any_crm: Crm, clock: Clock) -> None:
    await brochure_rules(any_crm)
    gold = await new_member(any_crm, level=5)
    plain = await new_member(any_crm, name="Wang Wei", phone="13900001111")
    await any_crm.orders.record(order("O-1", gold, clock(), ("P", "auto", "6000")), operator="shop")
    clock.advance(days=40)
    await any_crm.points.redeem(
        gold, 2000, item="car wash", operator="agent7", idempotency_key="r1"
    )
    await any_crm.points.redeem(plain, 500, item="mug", operator="agent7", idempotency_key="r2")
    lines = await any_crm.reports.ledger(member_number=gold)
    assert [
        (
            line.operation,
            line.order_ref,
            line.points,
            line.valid_after,
            line.cumulative_after,
            line.operator,
        )
        for line in lines
    ] == [
        (Operation.REDEEM, None, -2000, 5100, 7100, "agent7"),
        (Operation.EARN, "O-1", 6100, 7100, 7100, "shop"),
        (Operation.BONUS, None, 1000, 1000, 1000, "tester"),
    ]
    assert lines[1].rule == "tier 5000: 6100"
    stats = await any_crm.reports.statistics(since=EPOCH, until=clock() + timedelta(days=1))
    assert [(p.period, p.issued, p.redeemed) for p in stats.periods] == [
        ("2026-03", 8100, 0),
        ("2026-04", 0, 2500),
    ]
    assert stats.by_level[5].issued == 7100 and stats.by_level[5].redeemed == 2000
    assert stats.by_level[1].issued == 1000
    assert stats.redemption_mix == {"car wash": 2000, "mug": 500}


async def test_concurrent_redemptions_never_overspend(any_crm: Crm, clock: Clock) -> None:
    """Two independent service stacks (as two processes would be) race on one account."""
    number = await new_member(any_crm)
    await any_crm.points.gift(number, 1000, reason="r", operator="op", idempotency_key="g")
    other = build_crm(database_url=any_crm.db.url, clock=clock)
    try:

        async def spend(crm: Crm, key: str) -> bool:
            try:
                await crm.points.redeem(number, 30, item="mug", operator="op", idempotency_key=key)
            except InsufficientPointsError:
                return False
            return True

        results = await asyncio.gather(
            *(spend(any_crm if i % 2 else other, f"spend-{i}") for i in range(50))
        )
    finally:
        await other.close()
    assert sum(results) == 33  # 33 × 30 = 990 ≤ 1,000 < 34 × 30
    summary = await any_crm.points.summary(number)
    assert summary.valid == 10
    assert await any_crm.points.check_invariants() == []
