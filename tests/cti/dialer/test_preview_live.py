"""Preview dialling in the running service, against the real sandbox: an agent takes the
next lead (with the member's 360° view and the script), dials it (the agent's phone
first, then the callee behind the PJSIP loopback carrier), skips it or schedules a
call-back that comes back to them at its time.

What happened is read from Asterisk's own AMI stream: the callee's channel announces its
attempt (``UserEvent`` ``Step: preview-callee``), and the outcome the CRM recorded is
checked against that channel's ``Hangup`` cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_core.campaigns.schemas import AttemptView, CampaignView
from cti.bus import dialplan
from cti.dialer.tracker import Ended, Outcome
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.crm import new_member
from tests.support.telephony import (
    PASSWORD,
    Console,
    add_agent,
    agent_console,
    hang_up_everything,
)

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SCRIPT = "Good morning, this is the hotline about your points."


def number(kind: str, serial: int) -> str:
    """A mainland mobile number whose last digit makes the loopback callee act as ``kind``."""
    return f"+86138{serial:07d}{kind}"


@dataclass
class Outcomes:
    """The attempts whose end the dialer has written to the database, as they come."""

    ended: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, _campaign_id: int, outcome: Outcome) -> None:
        if isinstance(outcome, Ended):
            self.ended.add(outcome.attempt_id)
        self.changed.set()


@dataclass
class Desk:
    """agent1 and agent2 signed in, each with a console; a running preview campaign."""

    service: CtiService
    ami: AmiClient
    agent1: Console
    agent2: Console
    campaign: CampaignView
    outcomes: Outcomes

    async def next(self, console: Console) -> dict[str, Any]:
        response = await console.post("/api/preview/next", {"campaign_id": self.campaign.id})
        assert response.status == 200, await response.text()
        lead: dict[str, Any] = (await response.json())["lead"]
        return lead

    async def callee_of(self, attempt_id: str) -> str:
        """The Uniqueid of the callee's channel, as its pre-dial handler announced it."""
        event = await self.ami.wait_for_event(
            "UserEvent", Step=dialplan.STEP_PREVIEW_CALLEE, Attempt=attempt_id
        )
        return event["Uniqueid"]

    async def recorded(self, attempt_id: str, within: float = 15) -> AttemptView:
        """The attempt once the dialer reports its end is in the database."""
        async with asyncio.timeout(within):
            while attempt_id not in self.outcomes.ended:
                self.outcomes.changed.clear()
                await self.outcomes.changed.wait()
        return await self.service.crm.campaigns.attempt(attempt_id)


async def import_leads(service: CtiService, campaign_id: int, rows: list[str]) -> None:
    body = "phone,member_number,name\n" + "".join(f"{row}\n" for row in rows)
    report = await service.crm.campaigns.import_csv(campaign_id, body.encode(), default_region="CN")
    assert report.accepted == len(rows), report


@pytest.fixture
async def desk(service: CtiService, ami: AmiClient) -> AsyncIterator[Desk]:
    """Two agents on auto-answer phones, signed in; a running preview campaign, no leads."""
    await add_agent(service, "agent1", "Local/6001@test-phones/n")
    await add_agent(service, "agent2", "Local/6002@test-phones/n")
    await service.crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )
    await service.crm.dispositions.define({"code": "SALE", "label": "Sale"})
    campaign = await service.crm.campaigns.create(
        {"name": "care-calls", "mode": "preview", "agents": ["agent1", "agent2"],
         "time_zone": "UTC", "windows": ALL_WEEK, "caller_id": "4008001234",
         "script": SCRIPT, "dispositions": ["SALE"]},
        by="boss",
    )  # fmt: skip
    campaign = await service.crm.campaigns.set_status(campaign.id, "start", by="boss")
    async with (
        agent_console(service, "agent1") as agent1,
        agent_console(service, "agent2") as agent2,
    ):
        for console in (agent1, agent2):
            response = await console.post("/api/agent/signin", {"queues": ["hotline"]})
            assert response.status == 200, await response.text()
        outcomes = Outcomes()
        service.dialer.on_outcome(outcomes)
        yield Desk(service, ami, agent1, agent2, campaign, outcomes)
        # Asterisk outlives the test: queue members left behind would take the next
        # test's queue calls.
        for console in (agent1, agent2):
            response = await console.post("/api/agent/signout")
            assert response.status == 200, await response.text()
    await hang_up_everything(ami)


async def test_a_previewed_person_is_dialled_after_the_agent_and_bridged_with_the_agent(
    desk: Desk,
) -> None:
    person = number(dialplan.CALLEE_PERSON, 2000)
    member = await new_member(desk.service.crm, name="王芳", phone=person)
    await import_leads(desk.service, desk.campaign.id, [f"{person},{member},王芳"])

    lead = await desk.next(desk.agent1)
    assert (lead["phone"], lead["member_number"], lead["name"]) == (person, member, "王芳")
    assert lead["member"]["profile"]["number"] == member  # the member's 360° view
    assert (lead["script"], lead["dispositions"]) == (SCRIPT, ["SALE"])
    assert lead["agent_login"] == "agent1"

    response = await desk.agent1.post(f"/api/preview/{lead['attempt_id']}/dial")
    assert response.status == 200, await response.text()
    agent_leg = (await response.json())["call_id"]
    callee = await desk.callee_of(lead["attempt_id"])
    entered = await desk.ami.wait_for_event("BridgeEnter", Uniqueid=callee)
    agent_entered = await desk.ami.wait_for_event("BridgeEnter", Uniqueid=agent_leg)
    assert entered["BridgeUniqueid"] == agent_entered["BridgeUniqueid"]
    # The agent's phone was rung (and answered) before the callee's channel existed.
    created = [e["Uniqueid"] for e in desk.ami.events if e.event == "Newchannel"]
    assert created.index(agent_leg) < created.index(callee)

    await desk.ami.action("Hangup", Channel=entered["Channel"])
    attempt = await desk.recorded(lead["attempt_id"])
    (hangup,) = [e for e in desk.ami.events if e.event == "Hangup" and e["Uniqueid"] == callee]
    assert attempt.hangup_cause == int(hangup["Cause"])
    assert (attempt.result, attempt.agent_login) == ("answered", "agent1")
    assert attempt.answered_at is not None and attempt.connected_at is not None


async def test_a_busy_callee_is_recorded_busy_from_its_hangup_cause(desk: Desk) -> None:
    await import_leads(desk.service, desk.campaign.id, [f"{number(dialplan.CALLEE_BUSY, 2001)},,"])
    lead = await desk.next(desk.agent1)
    response = await desk.agent1.post(f"/api/preview/{lead['attempt_id']}/dial")
    assert response.status == 200, await response.text()
    callee = await desk.callee_of(lead["attempt_id"])
    attempt = await desk.recorded(lead["attempt_id"])
    hangup = await desk.ami.wait_for_event("Hangup", Uniqueid=callee)
    assert (hangup["Cause"], attempt.hangup_cause, attempt.result) == ("17", 17, "busy")
    assert attempt.connected_at is None


async def test_a_skipped_lead_goes_back_for_later_or_is_done_and_is_never_dialled(
    desk: Desk,
) -> None:
    first, second = number(dialplan.CALLEE_PERSON, 2002), number(dialplan.CALLEE_PERSON, 2003)
    await import_leads(desk.service, desk.campaign.id, [f"{first},,", f"{second},,"])
    lead = await desk.next(desk.agent1)
    assert lead["phone"] == first
    assert await desk.next(desk.agent1) == lead  # asked again: the same open lead
    response = await desk.agent1.post(
        f"/api/preview/{lead['attempt_id']}/skip", {"reason": "later"}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["lead_status"] == "pending"

    other = await desk.next(desk.agent1)
    assert other["phone"] == second  # the skipped one rests before it comes back
    response = await desk.agent1.post(
        f"/api/preview/{other['attempt_id']}/skip", {"reason": "not-needed"}
    )
    assert (await response.json())["lead_status"] == "done"
    assert await desk.next(desk.agent1) is None
    assert await desk.service.crm.campaigns.attempts(desk.campaign.id) == []  # nothing dialled
    desk.service.crm.campaigns.clock = lambda: datetime.now(UTC) + timedelta(hours=2)
    assert (await desk.next(desk.agent2))["phone"] == first  # back, to anyone


async def test_a_call_back_comes_to_its_owner_at_its_time_even_within_72_hours_of_an_abandon(
    desk: Desk,
) -> None:
    phone = number(dialplan.CALLEE_PERSON, 2004)
    await import_leads(desk.service, desk.campaign.id, [f"{phone},,"])
    lead = await desk.next(desk.agent1)
    # The call was answered and abandoned (as a dialer records it): 72 h of rest begin.
    store, now = desk.service.crm.campaigns, datetime.now(UTC)
    await store.attempt_answered(lead["attempt_id"], at=now)
    await store.attempt_ended(lead["attempt_id"], cause=16, at=now, abandoned=True)
    due = now + timedelta(hours=1)
    response = await desk.agent1.post(
        f"/api/preview/{lead['attempt_id']}/callback",
        {"due_at": due.isoformat(), "note": "call after lunch"},
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["owner_login"] == "agent1"

    assert await desk.next(desk.agent1) is None  # not due yet, and the lead is the owner's
    store.clock = lambda: datetime.now(UTC) + timedelta(hours=1, minutes=1)
    assert await desk.next(desk.agent2) is None  # agent1 is here: not agent2's
    offered = await desk.next(desk.agent1)
    assert offered["phone"] == phone
    assert (offered["callback"]["note"], offered["callback"]["owner_login"]) == (
        "call after lunch",
        "agent1",
    )


async def test_a_due_call_back_of_an_owner_who_signed_out_goes_to_another_agent(
    desk: Desk,
) -> None:
    await import_leads(
        desk.service, desk.campaign.id, [f"{number(dialplan.CALLEE_PERSON, 2005)},,"]
    )
    lead = await desk.next(desk.agent1)
    due = datetime.now(UTC) + timedelta(minutes=30)
    response = await desk.agent1.post(
        f"/api/preview/{lead['attempt_id']}/callback", {"due_at": due.isoformat()}
    )
    assert response.status == 200, await response.text()
    response = await desk.agent1.post("/api/agent/signout")
    assert response.status == 200, await response.text()
    await desk.ami.wait_for_event("QueueMemberRemoved", Interface="Local/6001@test-phones/n")
    desk.service.crm.campaigns.clock = lambda: datetime.now(UTC) + timedelta(hours=1)
    offered = await desk.next(desk.agent2)
    assert offered["callback"]["owner_login"] == "agent1"
    assert offered["agent_login"] == "agent2"


async def test_another_agent_can_neither_dial_skip_nor_call_back_my_lead(desk: Desk) -> None:
    await import_leads(
        desk.service, desk.campaign.id, [f"{number(dialplan.CALLEE_PERSON, 2006)},,"]
    )
    lead = await desk.next(desk.agent1)
    mine = f"/api/preview/{lead['attempt_id']}"
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    for path, body in ((f"{mine}/dial", None), (f"{mine}/skip", {"reason": "later"}),
                       (f"{mine}/callback", {"due_at": later})):  # fmt: skip
        response = await desk.agent2.post(path, body)
        assert response.status == 403, await response.text()
        assert (await response.json())["error_id"] == "not-your-lead"
    created = {e["Uniqueid"] for e in desk.ami.events if e.event == "Newchannel"}
    assert lead["attempt_id"] + dialplan.PREVIEW_AGENT_SUFFIX not in created
    assert (await desk.service.crm.campaigns.attempt(lead["attempt_id"])).ended_at is None
