"""The screen pop tells a caller the IVR verified (the PIN) from one it only identified
(the member's phone number and the member number's last digits)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_core.wiring import Crm
from cti.screen_pop.lookup import CallerLookup
from cti.screen_pop.services import screen_pop_of
from ivr.app import build_ivr
from ivr.config import IvrConfig
from ivr.server import AgiServer
from ivr.simulator import environment, simulate_call

PHONE = "13812345678"
PIN = "2580"
CALL = "1700000000.9"


@pytest.fixture
async def member(any_crm: Crm) -> str:
    view = await any_crm.members.create({"name": "李娜", "phones": [PHONE]}, actor="t")
    await any_crm.selfservice.set_pin(view.number, PIN, actor="t")
    return view.number


@pytest.fixture
async def ivr(any_crm: Crm) -> AsyncIterator[AgiServer]:
    server = build_ivr(crm=any_crm, config=IvrConfig(keypad_timeout=1.0), port=0)
    await server.start()
    yield server
    await server.stop()


async def pop_after_ivr(crm: Crm, server: AgiServer, code: str) -> dict[str, object]:
    """The member's phone types ``code`` in the points line on CALL; the agent's pop."""
    ended = server.ended
    result = await simulate_call(
        "127.0.0.1", server.port, environment("points", caller=PHONE, dnid="4008009000"),
        keys=[code, "0"], variables={"CHANNEL(linkedid)": CALL},
    )  # fmt: skip
    await server.wait_ended(ended + 1)
    named = result.variables["CTIDESK_IVR_MEMBER"]  # what the channel carries to the queue
    match = await CallerLookup(crm=crm, inbound_media={}).result(CALL, PHONE, "", named)
    pop = screen_pop_of(match, CALL, PHONE, queue="hotline", direction="inbound", transfer=None)
    return {"member": pop.member.number if pop.member else None,
            "verified": pop.verified_in_ivr, "identified": pop.identified_in_ivr}  # fmt: skip


async def test_the_number_tail_pops_the_member_identified_not_verified(
    any_crm: Crm, ivr: AgiServer, member: str
) -> None:
    pop = await pop_after_ivr(any_crm, ivr, member[-4:])
    assert pop == {"member": member, "verified": False, "identified": True}


async def test_the_pin_pops_the_member_verified(any_crm: Crm, ivr: AgiServer, member: str) -> None:
    pop = await pop_after_ivr(any_crm, ivr, PIN)
    assert pop == {"member": member, "verified": True, "identified": False}


async def test_a_member_named_on_the_channel_without_a_record_of_the_call_is_not_verified(
    any_crm: Crm, member: str
) -> None:
    match = await CallerLookup(crm=any_crm, inbound_media={}).result(CALL, "", "", member)
    assert (match.member_number, match.verified_in_ivr, match.identified_in_ivr) == (
        member, False, True,
    )  # fmt: skip
