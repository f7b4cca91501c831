"""The dialer inside the running service, against the real sandbox: callees behind the
PJSIP loopback carrier (the number's last digit picks what the far end does).

What was dialled is read from Asterisk's own AMI stream (the ``Newchannel`` of each
Originate's ``ChannelId``); each outcome the CRM recorded is checked against the
``Hangup`` cause Asterisk reported for that channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from crm_core.campaigns.schemas import AttemptView, CampaignView
from cti.ami import Action
from cti.bus import dialplan
from cti.dialer.pacer import Mode
from cti.dialer.tracker import Bridged, Ended, IvrStep, Outcome
from cti.service import CtiService
from cti.settings import TelephonySettings
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.campaigns import keypad_survey
from tests.support.control import SECOND_AGENT_PHONE, recorder_started
from tests.support.crm import new_member
from tests.support.telephony import (
    AGENT_PHONE,
    PASSWORD,
    add_agent,
    agent_console,
    hang_up_everything,
    running_service,
)

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
"""Open all day; the callees are +86 numbers (one zone, Asia/Shanghai), never narrowed."""


def number(kind: str, serial: int) -> str:
    """A mainland mobile number whose last digit makes the loopback callee act as ``kind``."""
    return f"+86138{serial:07d}{kind}"


PERSON = number(dialplan.CALLEE_PERSON, 1000)
BUSY = number(dialplan.CALLEE_BUSY, 1001)
UNALLOCATED = number(dialplan.CALLEE_UNALLOCATED, 1002)
CONGESTION = number(dialplan.CALLEE_CONGESTION, 1003)
SUPPRESSED = number(dialplan.CALLEE_PERSON, 1004)


@dataclass
class Outcomes:
    """The outcomes the dialer has written to the database, as they come."""

    seen: list[Outcome] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, _campaign_id: int, outcome: Outcome) -> None:
        self.seen.append(outcome)
        self.changed.set()

    async def until(self, condition: Callable[[list[Outcome]], bool], within: float = 30) -> None:
        async with asyncio.timeout(within):
            while not condition(self.seen):
                self.changed.clear()
                await self.changed.wait()

    def ended(self) -> set[str]:
        return {o.attempt_id for o in self.seen if isinstance(o, Ended)}


class ShiftedClock:
    """Wall time plus an offset the test moves on (a retry delay without waiting for it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
async def desk(service: CtiService, ami: AmiClient) -> AsyncIterator[Outcomes]:
    """agent1 on an auto-answer phone, signed in to hotline; the dialer's outcomes."""
    outcomes = Outcomes()
    service.dialer.on_outcome(outcomes)
    await add_agent(service)
    await service.crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )
    async with agent_console(service, "agent1") as console:
        response = await console.post("/api/agent/signin", {"queues": ["hotline"]})
        assert response.status == 200, await response.text()
        yield outcomes
        # Asterisk outlives the test: a pause or a membership left behind would hold
        # the next test's calls back.
        response = await console.post("/api/agent/signout")
        assert response.status == 200, await response.text()
    await hang_up_everything(ami)


async def start_campaign(service: CtiService, name: str, phones: list[str]) -> CampaignView:
    created = await service.crm.campaigns.create(
        {"name": name, "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK, "max_attempts": 5, "caller_id": "4008001234"},
        by="boss",
    )  # fmt: skip
    rows = "".join(f"{phone},Lead {i}\n" for i, phone in enumerate(phones))
    report = await service.crm.campaigns.import_csv(
        created.id, f"phone,name\n{rows}".encode(), default_region="CN"
    )
    assert report.accepted == len(phones), report
    return created


async def attempts(service: CtiService, campaign_id: int) -> dict[str, list[AttemptView]]:
    """The campaign's attempts by phone, oldest first."""
    found: dict[str, list[AttemptView]] = {}
    for attempt in await service.crm.campaigns.attempts(campaign_id):
        found.setdefault(attempt.phone, []).append(attempt)
    return found


def dialled(ami: AmiClient, attempt_ids: set[str]) -> list[str]:
    """The attempts whose callee channel Asterisk created, in the order it did."""
    created = (e["Uniqueid"] for e in ami.events if e.event == "Newchannel")
    return [uniqueid for uniqueid in created if uniqueid in attempt_ids]


def hangup_cause(ami: AmiClient, attempt_id: str) -> int:
    (hangup,) = [e for e in ami.events if e.event == "Hangup" and e["Uniqueid"] == attempt_id]
    return int(hangup["Cause"])


async def test_callees_are_classified_by_their_hangup_cause_and_a_suppressed_one_is_never_dialled(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    created = await start_campaign(
        service, "causes", [BUSY, UNALLOCATED, CONGESTION, SUPPRESSED, PERSON]
    )
    # Suppressed after the import: the claim right before dialling must still refuse it.
    await service.crm.campaigns.suppress(
        SUPPRESSED, source="agent", reason="asked not to be called", by="agent1"
    )
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()

    await desk.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
    by_phone = await attempts(service, created.id)
    person = by_phone[PERSON][0]
    for channel in await ami.list_action("CoreShowChannels"):
        if channel["Uniqueid"] == person.id:
            await ami.action("Hangup", Channel=channel["Channel"])
    await desk.until(lambda _seen: person.id in desk.ended())

    by_phone = await attempts(service, created.id)
    assert SUPPRESSED not in by_phone
    assert set(by_phone) == {BUSY, UNALLOCATED, CONGESTION, PERSON}
    every = {attempt.id for tries in by_phone.values() for attempt in tries}
    assert sorted(dialled(ami, every)) == sorted(every)  # each one dialled exactly once
    outcome = {phone: tries[0] for phone, tries in by_phone.items()}
    assert [hangup_cause(ami, outcome[p].id) for p in (BUSY, UNALLOCATED, CONGESTION)] == [
        17, 1, 34,
    ]  # fmt: skip
    assert outcome[BUSY].result == "busy"
    assert outcome[UNALLOCATED].result == "invalid"  # and never dialled again
    assert outcome[CONGESTION].result == "network"
    assert outcome[PERSON].agent_login == "agent1"
    assert outcome[PERSON].result == "answered"
    connected, answered = outcome[PERSON].connected_at, outcome[PERSON].answered_at
    assert connected is not None and answered is not None
    assert connected - answered < timedelta(seconds=dialplan.CONNECT_WITHIN_SECONDS)
    assert not any(
        isinstance(o, Ended) and o.attempt_id == person.id and not o.bridged for o in desk.seen
    )


async def test_busy_is_retried_after_its_delay_and_an_unallocated_number_never_again(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    clock = ShiftedClock()
    service.dialer.clock = clock
    created = await start_campaign(service, "retries", [BUSY, UNALLOCATED])
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    await desk.until(lambda seen: len([o for o in seen if isinstance(o, Ended)]) == 2)
    runner = service.dialer.runners[created.id]
    runner.planned.clear()
    await runner.planned.wait()  # it looked again: the busy number is not due yet
    tries = {phone: len(tries) for phone, tries in (await attempts(service, created.id)).items()}
    assert tries == {BUSY: 1, UNALLOCATED: 1}

    clock.offset = 11 * 60  # the busy retry is due after 10 minutes
    runner.wake()
    await desk.until(lambda seen: len([o for o in seen if isinstance(o, Ended)]) == 3)
    by_phone = await attempts(service, created.id)
    assert [attempt.result for attempt in by_phone[BUSY]] == ["busy", "busy"]
    assert len(by_phone[UNALLOCATED]) == 1
    every = {attempt.id for tries in by_phone.values() for attempt in tries}
    assert sorted(dialled(ami, every)) == sorted(every)

    # Another campaign refuses the number the network said does not exist.
    other = await service.crm.campaigns.create(
        {"name": "again", "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK},
        by="boss",
    )  # fmt: skip
    report = await service.crm.campaigns.import_csv(
        other.id, f"phone\n{UNALLOCATED}\n{PERSON}\n".encode(), default_region="CN"
    )
    assert [(row.line_no, row.reason) for row in report.refused] == [(2, "invalid-number")]


async def test_a_person_nobody_is_free_for_hears_the_message_and_the_paused_agent_gets_no_calls(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    rings_then_answers = number(dialplan.CALLEE_PERSON_AFTER_RINGING, 2000)
    created = await start_campaign(service, "pause", [rings_then_answers, PERSON])
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    ringing = await ami.wait_for_event("Newstate", ChannelStateDesc="Ringing")
    assert ringing["Channel"].startswith(f"PJSIP/{dialplan.LOOPBACK_CARRIER}")
    paused = await service.client.send(
        Action("QueuePause", Queue="hotline", Interface=AGENT_PHONE, Paused="true", Reason="break")
    )
    assert paused["Response"] == "Success"
    # The callee answers while the only agent is paused: nobody is connected, the dialplan
    # plays the identification message and ends the call.
    await desk.until(lambda seen: any(isinstance(o, Ended) for o in seen))
    (first,) = (await attempts(service, created.id))[rings_then_answers]
    assert first.result == "abandoned"
    assert first.answered_at is not None and first.connected_at is None
    message = await ami.wait_for_event(
        "UserEvent", UserEvent=dialplan.DIALER_USER_EVENT, Step=dialplan.STEP_ABANDONED
    )
    assert message["Uniqueid"] == first.id
    runner = service.dialer.runners[created.id]
    runner.planned.clear()
    runner.wake()
    await runner.planned.wait()
    assert PERSON not in await attempts(service, created.id)  # no call while nobody is ready
    figures = await service.crm.campaigns.counters(created.id)
    assert (figures.answered, figures.abandoned, figures.abandon_rate) == (1, 1, 1.0)


async def test_an_ivr_message_campaign_needs_no_agent_and_records_what_each_callee_did(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    listens = number(dialplan.CALLEE_PERSON, 3000)
    presses_1 = number(dialplan.CALLEE_PRESSES_1, 3001)
    created = await service.crm.campaigns.create(
        {"name": "expiring", "mode": "ivr_message", "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK, "message": "hello-world"},
        by="boss",
    )  # fmt: skip
    await service.crm.campaigns.import_csv(
        created.id, f"phone\n{listens}\n{presses_1}\n".encode(), default_region="CN"
    )
    paused = await service.client.send(
        Action("QueuePause", Queue="hotline", Interface=AGENT_PHONE, Paused="true", Reason="x")
    )
    assert paused["Response"] == "Success"  # nobody is ready: the message needs no one
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    both = {"played", "key-1"}
    await desk.until(lambda seen: {o.result for o in seen if isinstance(o, IvrStep)} >= both)
    for channel in await ami.list_action("CoreShowChannels"):
        if channel["Channel"].startswith(f"PJSIP/{dialplan.LOOPBACK_CARRIER}"):
            await ami.action("Hangup", Channel=channel["Channel"])
    await desk.until(lambda seen: len([o for o in seen if isinstance(o, Ended)]) == 2)
    by_phone = await attempts(service, created.id)
    assert by_phone[listens][0].ivr_result == "played"
    assert by_phone[presses_1][0].ivr_result == "key-1"
    figures = await service.crm.campaigns.counters(created.id)
    assert figures.abandoned == 0  # a message that was the call's purpose is no abandon
    assert figures.ivr_results == {"played": 1, "key-1": 1}


def keypad_reads(ami: AmiClient, channel: str) -> list[AmiMessage]:
    """The IVR's keypad reads (AGI ``GET DATA``, ``GET OPTION``) on ``channel`` so far."""
    return [
        e
        for e in ami.events
        if e.event == "AGIExecStart"
        and e["Channel"] == channel
        and e["Command"].startswith(("GET DATA", "GET OPTION"))
    ]


async def test_an_ivr_callee_answers_the_campaigns_keypad_survey_after_the_message(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    phone = number(dialplan.CALLEE_PERSON, 3100)
    member = await new_member(service.crm, "王芳", phone)
    survey = await keypad_survey(service.crm)
    created = await service.crm.campaigns.create(
        {"name": "expiring", "mode": "ivr_message", "time_zone": "UTC", "windows": ALL_WEEK,
         "message": "beep", "survey": survey},
        by="boss",
    )  # fmt: skip
    await service.crm.campaigns.import_csv(
        created.id, f"phone\n{phone}\n".encode(), default_region="CN"
    )
    ivr = f"agi://127.0.0.1:{service.ivr.port}"
    agi = await ami.action("Setvar", Variable="CTIDESK_AGI", Value=ivr)
    assert agi["Response"] == "Success", agi
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()

    far_end = (
        await ami.wait_for_event("Newexten", Context="test-callees", Extension=phone.lstrip("+"))
    )["Channel"]
    (attempt,) = (await attempts(service, created.id))[phone]
    leg = (await ami.wait_for_event("Newchannel", Uniqueid=attempt.id))["Channel"]

    async def press(key: str) -> None:
        response = await ami.action("PlayDTMF", Channel=far_end, Digit=key, Duration="80")
        assert response["Response"] == "Success", response

    # After the message, a key other than the agent's (1) goes on to the survey.
    await ami.wait_for_event("Newexten", Channel=leg, Application="WaitExten")
    await press("5")
    for already, key in enumerate(("4", "2")):  # rating 4; "no" (the second option)
        await ami.wait_for(lambda n=already: len(keypad_reads(ami, leg)) > n, 20)
        await press(key)
    await desk.until(lambda _seen: attempt.id in desk.ended(), within=30)

    stored = await service.crm.campaigns.attempt(attempt.id)
    assert stored.ivr_result == "key-5"
    assert stored.survey_response_id is not None
    response = await service.crm.survey_responses.get(stored.survey_response_id)
    assert response.member_number == member
    assert response.completed
    questions = (await service.crm.questionnaires.get(survey)).questions
    answers = [(a.question_id, a.rating, [o.label_en for o in a.options]) for a in response.answers]
    assert answers == [(questions[0].id, 4, []), (questions[1].id, None, ["No"])]
    figures = await service.crm.campaigns.counters(created.id)
    assert (figures.surveys_started, figures.surveys_completed) == (1, 1)
    assert figures.abandoned == 0


async def test_a_predictive_callee_joins_the_seated_agents_room_without_ringing_a_phone(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    async with agent_console(service, "agent1") as console:
        seated = await console.post("/api/dialer/seat")
        assert seated.status == 200, await seated.text()
        room = (await seated.json())["room"]
        assert room == f"{dialplan.AGENT_ROOM_PREFIX}agent1"
        await ami.wait_for_event("ConfbridgeJoin", Conference=room)
        phone_rang = len([e for e in ami.events if e.event == "Newchannel"])

        created = await service.crm.campaigns.create(
            {"name": "seated", "mode": "predictive", "queue": "hotline", "time_zone": "UTC",
             "windows": ALL_WEEK},
            by="boss",
        )  # fmt: skip
        await service.crm.campaigns.import_csv(
            created.id, f"phone\n{PERSON}\n".encode(), default_region="CN"
        )
        await service.crm.campaigns.set_status(created.id, "start", by="boss")
        await service.dialer.scan()
        await desk.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
        decision = service.dialer.runners[created.id].decision
        assert decision is not None  # one agent: paced progressively behind the guard
        assert decision.mode is Mode.PROGRESSIVE_SMALL_TEAM
        (attempt,) = (await attempts(service, created.id))[PERSON]
        joined = await ami.wait_for_event("ConfbridgeJoin", Conference=room, Uniqueid=attempt.id)
        assert joined["Channel"].startswith(f"PJSIP/{dialplan.LOOPBACK_CARRIER}-")
        new_channels = [e["Channel"] for e in ami.events if e.event == "Newchannel"][phone_rang:]
        assert not any(name.startswith("Local/6001@") for name in new_channels)  # no ringing
        assert (attempt.agent_login, attempt.connected_at is not None) == ("agent1", True)

        left = await console.post("/api/dialer/unseat")
        assert left.status == 200, await left.text()
        await ami.wait_for(
            lambda: any(
                e.event == "ConfbridgeLeave"
                and e["Conference"] == room
                and e["Uniqueid"] != attempt.id
                for e in ami.events
            )
        )


async def test_a_seated_agent_wraps_up_for_the_queue_s_time_until_the_disposition(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    ten_minutes = TelephonySettings(wrapup_seconds={"hotline": 600})
    async with running_service(asterisk, sqlite_url, telephony=ten_minutes) as service:
        outcomes = Outcomes()
        service.dialer.on_outcome(outcomes)
        await add_agent(service)
        await service.crm.dispositions.define({"code": "INFO", "label": "Information given"})
        async with agent_console(service, "agent1") as console:
            try:
                assert (
                    await console.post("/api/agent/signin", {"queues": ["hotline"]})
                ).status == 200
                assert (await console.post("/api/dialer/seat")).status == 200
                await ami.wait_for_event("ConfbridgeJoin", Conference="agent-agent1")
                created = await service.crm.campaigns.create(
                    {"name": "seated", "mode": "predictive", "queue": "hotline",
                     "time_zone": "UTC", "windows": ALL_WEEK},
                    by="agent1",
                )  # fmt: skip
                await service.crm.campaigns.import_csv(
                    created.id, f"phone\n{PERSON}\n".encode(), default_region="CN"
                )
                await service.crm.campaigns.set_status(created.id, "start", by="agent1")
                await service.dialer.scan()
                await outcomes.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
                (attempt,) = (await attempts(service, created.id))[PERSON]
                runner = service.dialer.runners[created.id]
                assert runner.agent_states() == (0, 1, 0)  # talking

                await ami.action("Hangup", Channel=(await ami.wait_for_event(
                    "ConfbridgeJoin", Uniqueid=attempt.id))["Channel"])  # fmt: skip
                await ami.wait_for_event("ConfbridgeLeave", Uniqueid=attempt.id)
                await outcomes.until(lambda _seen: attempt.id in outcomes.ended())
                assert runner.agent_states() == (0, 0, 1)  # the queue's ten minutes of wrap-up

                await service.call_log.wait_for(attempt.id, within=15)
                response = await console.post(
                    "/api/agent/wrapup", {"call_id": attempt.id, "disposition": "INFO"}
                )
                assert response.status == 204, await response.text()
                assert runner.agent_states() == (1, 0, 0)  # ready again at once
                record = await service.crm.calls.get(attempt.id)
                assert record.disposition_code == "INFO"
            finally:
                await console.post("/api/dialer/unseat")
                await console.post("/api/agent/signout")
                await hang_up_everything(ami)


async def test_a_second_agent_gets_a_call_while_the_first_still_talks(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    other = number(dialplan.CALLEE_PERSON, 5001)
    created = await start_campaign(service, "two", [PERSON, other])
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    await desk.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
    assert list(await attempts(service, created.id)) == [PERSON]  # one agent, one call
    # A second agent signs in while agent1 still talks: the talking call must not hold
    # the free agent's call back.
    await add_agent(service, "agent2", SECOND_AGENT_PHONE)
    async with agent_console(service, "agent2") as second:
        response = await second.post("/api/agent/signin", {"queues": ["hotline"]})
        assert response.status == 200, await response.text()
        await desk.until(lambda seen: len([o for o in seen if isinstance(o, Bridged)]) == 2)
        by_phone = await attempts(service, created.id)
        assert (by_phone[PERSON][0].agent_login, by_phone[other][0].agent_login) == (
            "agent1", "agent2",
        )  # fmt: skip
        response = await second.post("/api/agent/signout")
        assert response.status == 200, await response.text()


async def test_a_campaign_that_records_its_calls_records_the_connected_one(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    created = await service.crm.campaigns.create(
        {"name": "recorded", "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK, "recording": "all"},
        by="boss",
    )  # fmt: skip
    await service.crm.campaigns.import_csv(
        created.id, f"phone\n{PERSON}\n".encode(), default_region="CN"
    )
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    await desk.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
    (attempt,) = (await attempts(service, created.id))[PERSON]
    callee = await ami.wait_for_event("Newchannel", Uniqueid=attempt.id)
    await recorder_started(ami, callee["Channel"])  # the recorder listens to the callee
    for channel in await ami.list_action("CoreShowChannels"):
        if channel["Uniqueid"] == attempt.id:
            await ami.action("Hangup", Channel=channel["Channel"])
    recording = await service.recorder.wait_finished(attempt.id)
    assert (recording.campaign, recording.agent_login) == ("recorded", "agent1")
    assert recording.ended_at is not None and recording.problem is None  # the file is indexed


async def test_calling_hours_follow_new_york_across_its_dst_change(
    service: CtiService, ami: AmiClient, desk: Outcomes
) -> None:
    """09:00–21:00 in the callee's zone: +1 212 is New York only. At 13:30 UTC the line is
    closed on 7 March 2026 (08:30 EST) and open on 8 March, after the change (09:30 EDT)."""
    clock = ShiftedClock()
    service.dialer.clock = clock
    clock.offset = datetime(2026, 3, 7, 13, 30, tzinfo=UTC).timestamp() - time.time()
    service.crm.set_clock(lambda: datetime.fromtimestamp(clock(), UTC))  # the CRM's time too
    new_yorker = "+12125550100"  # the loopback callee's last digit 0: a person
    created = await service.crm.campaigns.create(
        {"name": "dst", "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
         "windows": {day: [["09:00", "21:00"]] for day in ALL_WEEK}},
        by="boss",
    )  # fmt: skip
    await service.crm.campaigns.import_csv(
        created.id, f"phone\n{new_yorker}\n".encode(), default_region="CN"
    )
    await service.crm.campaigns.set_status(created.id, "start", by="boss")
    await service.dialer.scan()
    runner = service.dialer.runners[created.id]
    runner.planned.clear()
    await runner.planned.wait()
    assert await attempts(service, created.id) == {}  # 08:30 in New York: not dialled

    after_dst = datetime(2026, 3, 8, 13, 30, tzinfo=UTC).timestamp()
    clock.offset = after_dst - time.time()
    runner.wake()
    await desk.until(lambda seen: any(isinstance(o, Bridged) for o in seen))
    assert list(await attempts(service, created.id)) == [new_yorker]  # 09:30 EDT: dialled
