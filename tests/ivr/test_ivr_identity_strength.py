"""Only the PIN verifies a caller in the IVR; the caller's number with the member number's
last digits identifies them. The flow says which (``CTIDESK_IVR_VERIFIED_BY``), the CRM
keeps it for the call, and only a verified caller's redemption goes through unapproved."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_core.loyalty.approvals import ChangeRequest
from crm_core.loyalty.models import Operation
from crm_core.wiring import Crm
from ivr.app import build_ivr
from ivr.config import IvrConfig
from ivr.server import AgiServer
from ivr.simulator import SimulatedCall, environment, simulate_call

PHONE = "13812345678"
PIN = "2580"
CALL = "1700000000.9"


@pytest.fixture
async def member(any_crm: Crm) -> str:
    view = await any_crm.members.create({"name": "李娜", "phones": [PHONE]}, actor="t")
    await any_crm.points.gift(view.number, 900, reason="seed", operator="t", idempotency_key="s1")
    await any_crm.selfservice.set_pin(view.number, PIN, actor="t")
    return view.number


@pytest.fixture
async def ivr(any_crm: Crm) -> AsyncIterator[AgiServer]:
    server = build_ivr(crm=any_crm, config=IvrConfig(keypad_timeout=1.0), port=0)
    await server.start()
    yield server
    await server.stop()


async def points_call(server: AgiServer, code: str) -> SimulatedCall:
    """The member's own phone calls the points line on CALL and types ``code``, then #."""
    ended = server.ended
    result = await simulate_call(
        "127.0.0.1", server.port, environment("points", caller=PHONE, dnid="4008009001"),
        keys=[code, "#"], variables={"CHANNEL(linkedid)": CALL},
    )  # fmt: skip
    await server.wait_ended(ended + 1)
    return result


async def redeem_on_the_call(crm: Crm, member: str) -> tuple[str, str | None]:
    """An agent redeems 100 points for the member on CALL: posted or pending, and why."""
    change = ChangeRequest(
        member_number=member, operation=Operation.REDEEM, points=-100, operator="agent7",
        idempotency_key="redeem-0001", item="travel mug", call_linked_id=CALL,
    )  # fmt: skip
    outcome = await crm.approvals.request(change, limited=True)
    if outcome.approval is not None:
        return "pending", outcome.approval.needs
    return "posted", None


async def test_the_number_tail_from_the_members_phone_identifies_but_does_not_verify(
    ivr: AgiServer, any_crm: Crm, member: str
) -> None:
    result = await points_call(ivr, member[-4:])
    assert result.variables["CTIDESK_IVR_MEMBER"] == member
    assert result.variables["CTIDESK_IVR_VERIFIED_BY"] == "caller"
    assert await any_crm.selfservice.call_identity(CALL, member) == "caller"
    assert await redeem_on_the_call(any_crm, member) == ("pending", "caller-not-verified")
    assert (await any_crm.points.summary(member)).valid == 900


async def test_the_pin_from_the_members_phone_verifies(
    ivr: AgiServer, any_crm: Crm, member: str
) -> None:
    result = await points_call(ivr, PIN)
    assert result.variables["CTIDESK_IVR_MEMBER"] == member
    assert result.variables["CTIDESK_IVR_VERIFIED_BY"] == "pin"
    assert await any_crm.selfservice.call_identity(CALL, member) == "pin"
    assert await any_crm.selfservice.call_identity("1700000000.1", member) is None
    assert await redeem_on_the_call(any_crm, member) == ("posted", None)
    assert (await any_crm.points.summary(member)).valid == 800
