"""The dialer's pushes on the real sandbox: the agent's console receives the campaign call
(campaign, member, script, codes) when the dialer connects a callee to the agent, and a
supervisor's console receives the campaign's figures as they move.

Both consoles are real WebSocket sessions on the running service; each message is decoded
with the console's own types (:mod:`cti.protocol`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from cti.bus import dialplan
from cti.dialer.tracker import Bridged
from cti.protocol import CallList, CampaignCall, CampaignUpdate, WrapUpCode, decode, from_dict
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.telephony import (
    PASSWORD,
    Console,
    add_agent,
    agent_console,
    hang_up_everything,
)

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PERSON = f"+86138{3000:07d}{dialplan.CALLEE_PERSON}"
SCRIPT = "您好，我是客服中心：您的 1,200 积分本月到期。"


@dataclass
class Desks:
    """agent1 signed in to hotline, and the supervisor boss, each with a console open."""

    agent: Console
    boss: Console


@pytest.fixture
async def desks(service: CtiService, ami: AmiClient) -> AsyncIterator[Desks]:
    await add_agent(service)
    await service.crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )
    async with agent_console(service, "agent1") as agent, agent_console(service, "boss") as boss:
        response = await agent.post("/api/agent/signin", {"queues": ["hotline"]})
        assert response.status == 200, await response.text()
        yield Desks(agent, boss)
        # Asterisk outlives the test: a membership left behind would take the next test's calls.
        response = await agent.post("/api/agent/signout")
        assert response.status == 200, await response.text()
    await hang_up_everything(ami)


async def test_the_agent_gets_the_campaign_call_and_the_supervisor_the_figures(
    service: CtiService, ami: AmiClient, desks: Desks
) -> None:
    member = await service.crm.members.create({"name": "李娜", "phones": [PERSON]}, actor="t")
    await service.crm.dispositions.define({"code": "SALE", "label": "Sale"})
    await service.crm.dispositions.define({"code": "NOINT", "label": "Not interested"})
    created = await service.crm.campaigns.create(
        {"name": "积分到期", "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK, "caller_id": "4008001234", "script": SCRIPT,
         "dispositions": ["SALE", "NOINT"]},
        by="boss",
    )  # fmt: skip
    csv = f"phone,member_number\n{PERSON},{member.number}\n".encode()
    report = await service.crm.campaigns.import_csv(created.id, csv, default_region="CN")
    assert report.accepted == 1, report
    bridged: list[Bridged] = []
    service.dialer.on_outcome(
        lambda _campaign, outcome: bridged.append(outcome) if isinstance(outcome, Bridged) else None
    )
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()

    call = from_dict(await desks.agent.next_matching("campaign_call", within=30))
    assert isinstance(call, CampaignCall)
    (attempt,) = await service.crm.campaigns.attempts(created.id)
    assert [outcome.attempt_id for outcome in bridged] == [attempt.id]
    assert (call.call_id, call.campaign_id, call.campaign_name) == (
        attempt.id,
        created.id,
        "积分到期",
    )
    assert call.phone == PERSON and call.script == SCRIPT
    assert call.member is not None and call.member.number == member.number
    assert call.dispositions == (WrapUpCode("SALE", "Sale"), WrapUpCode("NOINT", "Not interested"))
    # The agent's live call is that call: its id in the live views is the attempt's.
    live = decode(CallList, await desks.boss.get("/api/calls"))
    assert (attempt.id, "agent1") in [(c.call_id, c.agent) for c in live.calls]

    connected = await figures_until(desks.boss, lambda f: f.connected == 1)
    assert (connected.campaign_id, connected.name, connected.mode) == (
        created.id, "积分到期", "progressive",
    )  # fmt: skip
    assert connected.status == "running"
    assert (connected.dialled, connected.answered, connected.abandoned) == (1, 1, 0)
    assert connected.abandon_rate_30d == 0.0 and connected.abandon_target == 0.03
    assert connected.pacer_mode is None  # a progressive campaign has no pacer
    assert connected.leads_remaining == (await service.crm.campaigns.counters(created.id)).remaining


async def figures_until(console: Console, condition: object, within: float = 30) -> CampaignUpdate:
    """The next campaign_update the supervisor's console receives for which ``condition``."""
    assert callable(condition)
    while True:
        message = from_dict(await console.next_matching("campaign_update", within=within))
        assert isinstance(message, CampaignUpdate)
        if condition(message):
            return message
