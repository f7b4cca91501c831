"""On the sandbox Asterisk: a caller the IVR identified by their number and the member
number's last digits pops as the member, identified and not verified; the PIN verifies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cti.service import CtiService
from tests.cti.ivr.test_ivr_asterisk import POINTS_LINE, IvrCall, ivr_service, ivr_settings
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import (
    MEMBER_PHONE,
    add_agent,
    agent_console,
    hang_up_everything,
    seed_member,
)

PIN = "2580"


@pytest.fixture
async def service(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> AsyncIterator[CtiService]:
    async with ivr_service(ivr_settings(asterisk, sqlite_url), ami) as running:
        yield running


async def pop_after(service: CtiService, ami: AmiClient, code: str) -> tuple[str, Any]:
    """The member's own phone calls the points line, types ``code``, asks for an agent."""
    await add_agent(service)
    member = await seed_member(service)
    await service.crm.selfservice.set_pin(member, PIN, actor="tester")
    async with agent_console(service, "agent1") as console:
        assert (await console.post("/api/agent/signin", {})).status == 200
        try:
            call = await IvrCall.dial(ami, POINTS_LINE, MEMBER_PHONE)
            await call.press((member[-4:] if code == "tail" else code) + "#")
            await call.press("0")  # an agent, please
            pop, _ = await console.next_of("screen_pop", within=30)
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")
    return member, pop


async def test_the_number_tail_pops_identified_not_verified(
    service: CtiService, ami: AmiClient
) -> None:
    member, pop = await pop_after(service, ami, "tail")
    assert pop["member"]["number"] == member
    assert (pop["verified_in_ivr"], pop["identified_in_ivr"]) == (False, True)


async def test_the_pin_from_the_members_phone_pops_verified(
    service: CtiService, ami: AmiClient
) -> None:
    member, pop = await pop_after(service, ami, PIN)
    assert pop["member"]["number"] == member
    assert (pop["verified_in_ivr"], pop["identified_in_ivr"]) == (True, False)
    assert await service.crm.selfservice.call_identity(pop["call_id"], member) == "pin"
