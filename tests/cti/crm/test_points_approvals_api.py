"""An agent's points changes above the ``[points]`` limits, or a redemption for a caller
not verified on the call, wait for a supervisor: nothing moves until one approves, and
an approval posts once. Through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crm_core.loyalty.limits import OperationLimit, PointsLimits
from crm_core.selfservice.schemas import PinPolicy
from crm_core.wiring import Crm
from tests.support.api import error_of
from tests.support.points_api import SEED_POINTS, PointsDesk, points_desk

LIMITS = PointsLimits(
    grant=OperationLimit(per_operation=100, per_day=150),
    adjust=OperationLimit(per_operation=50, per_day=80),
    redeem=OperationLimit(per_operation=200, per_day=300),
)
CALL = "1700000000.5"


@pytest.fixture
def limited_crm(any_crm: Crm) -> Crm:
    """The CRM with small limits, as ``[points]`` in the settings would set them."""
    any_crm.approvals.limits = LIMITS
    return any_crm


def grant(points: Any, key: str) -> dict[str, Any]:
    return {"points": points, "reason": "apology", "idempotency_key": key}


def redeem(points: int, key: str, call_id: str | None = CALL) -> dict[str, Any]:
    return {"points": points, "item": "travel mug", "idempotency_key": key, "call_id": call_id}


async def ledger_points(desk: PointsDesk) -> list[int]:
    response = await desk.api.get(f"/api/members/{desk.member}/ledger", headers=desk.agent)
    return [line["points"] for line in (await response.json())["lines"]]


async def verify_on_the_call(crm: Crm, member: str, code: str, *, by_caller: bool) -> None:
    """The member's phone calls the IVR on CALL and types ``code``."""
    await crm.selfservice.set_pin(member, "2580", actor="t")
    await crm.selfservice.check_pin(
        member, code, caller="13812345678", policy=PinPolicy(),
        accept_number_tail=by_caller, call_linked_id=CALL,
    )  # fmt: skip


async def test_a_grant_above_the_limit_waits_mints_nothing_and_posts_once_approved(
    limited_crm: Crm,
) -> None:
    async with points_desk(limited_crm) as desk:
        waiting = await desk.ok(desk.path("grant"), desk.agent, grant(101, "big-grant-1"))
        assert waiting["status"] == "pending" and waiting["needs"] == "over-operation-limit"
        assert waiting["valid"] == SEED_POINTS
        assert await ledger_points(desk) == [SEED_POINTS]
        retried = await desk.ok(desk.path("grant"), desk.agent, grant(101, "big-grant-1"))
        assert retried["approval_id"] == waiting["approval_id"], "a retry waits in the same one"

        listed = await desk.api.get("/api/points/approvals", headers=desk.supervisor)
        [pending] = (await listed.json())["approvals"]
        assert (pending["approval_id"], pending["requested_by"]) == (
            waiting["approval_id"],
            "agent7",
        )
        approve = f"/api/points/approvals/{waiting['approval_id']}/approve"
        approved = await desk.ok(approve, desk.supervisor, {})
        assert approved["status"] == "approved" and approved["decided_by"] == "boss"
        again = await error_of(await desk.post(approve, desk.supervisor, {}), 409)
        assert again["error_id"] == "approval-already-decided"
        after_retry = await desk.ok(desk.path("grant"), desk.agent, grant(101, "big-grant-1"))
        assert after_retry["status"] == "posted" and after_retry["valid"] == SEED_POINTS + 101
        assert await ledger_points(desk) == [101, SEED_POINTS]
    [audited] = await limited_crm.supervisor_audit.entries(supervisor="boss")
    assert (audited.action, audited.agent) == ("points-approve", "agent7")
    assert await limited_crm.points.check_invariants() == []


async def test_the_daily_limit_counts_the_agents_postings_of_the_day(
    limited_crm: Crm,
) -> None:
    async with points_desk(limited_crm) as desk:
        first = await desk.ok(desk.path("grant"), desk.agent, grant(100, "daily-0001"))
        second = await desk.ok(desk.path("grant"), desk.agent, grant(60, "daily-0002"))
        other = await desk.ok(desk.path("grant"), desk.other_agent, grant(60, "daily-0003"))
        own = await desk.ok(desk.path("grant"), desk.supervisor, grant(5000, "daily-0004"))
    assert first["status"] == "posted"
    assert (second["status"], second["needs"]) == ("pending", "over-daily-limit")
    assert other["status"] == "posted", "each agent has a day of their own"
    assert own["status"] == "posted", "supervisors have no limits"


async def test_a_rejected_change_posts_nothing_and_cannot_be_approved_after(
    limited_crm: Crm,
) -> None:
    async with points_desk(limited_crm) as desk:
        body = {"points": -51, "reason": "wrong order", "idempotency_key": "adjust-0001"}
        waiting = await desk.ok(desk.path("adjust"), desk.agent, body)
        assert (waiting["status"], waiting["points"]) == ("pending", -51)
        base = f"/api/points/approvals/{waiting['approval_id']}"
        refused = await desk.ok(f"{base}/reject", desk.supervisor, {"note": "ask the shop"})
        assert (refused["status"], refused["decision_note"]) == ("rejected", "ask the shop")
        await error_of(await desk.post(f"{base}/approve", desk.supervisor, {}), 409)
        retried = await desk.ok(desk.path("adjust"), desk.agent, body)
        assert (retried["status"], retried["approval_id"]) == ("rejected", refused["approval_id"])
        assert await ledger_points(desk) == [SEED_POINTS]
        forbidden = await desk.post(f"{base}/approve", desk.agent, {})
        assert forbidden.status == 403, "agents cannot approve"
        await error_of(
            await desk.post("/api/points/approvals/1x/approve", desk.supervisor, {}), 400
        )
        await error_of(
            await desk.post("/api/points/approvals/999/approve", desk.supervisor, {}), 404
        )
    [audited] = await limited_crm.supervisor_audit.entries(supervisor="boss")
    assert audited.action == "points-reject" and "ask the shop" in (audited.detail or "")


async def test_two_supervisors_approving_at_once_post_once(limited_crm: Crm) -> None:
    async with points_desk(limited_crm) as desk:
        waiting = await desk.ok(desk.path("grant"), desk.agent, grant(120, "race-0001"))
        approve = f"/api/points/approvals/{waiting['approval_id']}/approve"
        answers = await asyncio.gather(*(desk.post(approve, desk.supervisor, {}) for _ in range(4)))
        assert sorted(answer.status for answer in answers) == [200, 409, 409, 409]
        assert await ledger_points(desk) == [120, SEED_POINTS]


async def test_a_redemption_by_phone_needs_the_pin_on_that_call(limited_crm: Crm) -> None:
    async with points_desk(limited_crm) as desk:
        unverified = await desk.ok(desk.path("redeem"), desk.agent, redeem(50, "mug-00001"))
        await verify_on_the_call(limited_crm, desk.member, desk.member[-4:], by_caller=True)
        identified = await desk.ok(desk.path("redeem"), desk.agent, redeem(50, "mug-00002"))
        await verify_on_the_call(limited_crm, desk.member, "2580", by_caller=False)
        verified = await desk.ok(desk.path("redeem"), desk.agent, redeem(50, "mug-00003"))
        no_call = await desk.ok(desk.path("redeem"), desk.agent, redeem(50, "mug-00004", None))
        too_much = await desk.ok(desk.path("redeem"), desk.agent, redeem(201, "mug-00005"))
        by_boss = await desk.ok(desk.path("redeem"), desk.supervisor, redeem(50, "mug-00006", None))
    assert (unverified["status"], unverified["needs"]) == ("pending", "caller-not-verified")
    assert (identified["status"], identified["needs"]) == ("pending", "caller-not-verified")
    assert (verified["status"], verified["valid"]) == ("posted", SEED_POINTS - 50)
    assert (no_call["status"], no_call["needs"]) == ("pending", "caller-not-verified")
    assert (too_much["status"], too_much["needs"]) == ("pending", "over-operation-limit")
    assert by_boss["status"] == "posted"


@pytest.mark.parametrize("points", ["-10", True, 0, 10.0])
async def test_an_adjustment_is_a_non_zero_json_integer(limited_crm: Crm, points: Any) -> None:
    async with points_desk(limited_crm) as desk:
        body = {"points": points, "reason": "fix", "idempotency_key": "adjust-0009"}
        problem = await error_of(await desk.post(desk.path("adjust"), desk.agent, body), 400)
    assert problem["message"].startswith("points:")
