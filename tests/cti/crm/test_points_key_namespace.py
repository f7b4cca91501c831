"""Keys an agent sends live in the agent's own namespace: they never block the system's keys.

The attack: an agent posts a grant whose key is the one the system will derive next
(``registration:I-…``, ``order:…``, ``expire:lot:…``); before namespacing, the member
creation, order posting or expiry run that later derives it failed on the unique key.
"""

from __future__ import annotations

from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import brochure_rules, order
from tests.support.points_api import PointsDesk, points_desk


async def squat(desk: PointsDesk, key: str) -> None:
    """The agent grants 1 point to the seeded member under ``key``."""
    body = {"points": 1, "reason": "squatting", "idempotency_key": key}
    await desk.ok(desk.path("grant"), desk.agent, body)


async def test_an_agent_key_shaped_like_the_next_registration_blocks_no_member(
    any_crm: Crm,
) -> None:
    await brochure_rules(any_crm)  # registration earns 1,000 points
    async with points_desk(any_crm) as desk:
        assert desk.member == "I-00000001"
        await squat(desk, "registration:I-00000002")
        wang = {"name": "王五", "phones": ["13900000000"]}
        created = await any_crm.members.create(wang, actor="t")
    assert created.number == "I-00000002"
    assert (await any_crm.points.summary(created.number)).valid == 1000
    assert await any_crm.points.check_invariants() == []


async def test_an_agent_key_shaped_like_an_order_key_blocks_no_order(
    any_crm: Crm, clock: Clock
) -> None:
    await brochure_rules(any_crm)
    async with points_desk(any_crm) as desk:
        await squat(desk, "order:O-2026-77")
        recorded = await any_crm.orders.record(
            order("O-2026-77", desk.member, clock(), ("P1", "home", "300")), operator="shop"
        )
    assert recorded.points == 300 and not recorded.replayed
    assert await any_crm.points.check_invariants() == []


async def test_agent_keys_shaped_like_expiry_keys_block_no_expiry_run(
    any_crm: Crm, clock: Clock
) -> None:
    async with points_desk(any_crm) as desk:
        for lot_id in range(1, 8):  # every lot this test opens, and a few more
            await squat(desk, f"expire:lot:{lot_id}")
    clock.advance(days=731)
    report = await any_crm.points.expire()
    assert report.lots == 8 and report.points == 500 + 7
    assert (await any_crm.points.summary(desk.member)).valid == 0
    assert await any_crm.points.check_invariants() == []


async def test_the_same_key_from_two_agents_is_two_postings_and_a_retry_is_one(
    any_crm: Crm,
) -> None:
    async with points_desk(any_crm) as desk:
        body = {"points": 10, "reason": "apology", "idempotency_key": "apology-0001"}
        first = await desk.ok(desk.path("grant"), desk.agent, body)
        retried = await desk.ok(desk.path("grant"), desk.agent, body)
        other = await desk.ok(desk.path("grant"), desk.other_agent, body)
    assert (first["valid"], retried["valid"], other["valid"]) == (510, 510, 520)
