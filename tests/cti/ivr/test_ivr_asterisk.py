"""The IVR end to end on the sandbox Asterisk: the dialplan calls our FastAGI server.

The service runs in-process with its FastAGI server on a free port; each test points the
dialplan's ``CTIDESK_AGI`` global there (AMI ``Setvar``). Callers are Local channels
(``Local/s@test-caller``): the IVR runs on the ``;1`` half, and the test "presses keys"
with AMI ``PlayDTMF`` on the ``;2`` half each time Asterisk reports that the IVR started
a keypad read (``AGIExecStart`` for ``GET DATA`` or ``GET OPTION``). What the caller heard
is read back from the same ``AGIExecStart`` events (``SAY NUMBER 1200``…).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_core.surveys.seed import ensure_phone_service_evaluation
from cti.service import CtiService
from cti.settings import IvrSettings, Settings
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.telephony import (
    MEMBER_PHONE,
    POINTS,
    Console,
    add_agent,
    agent_console,
    hang_up_everything,
    seed_member,
    settings_for,
)

POINTS_LINE = "4008009000"
IVR_LINE = "4008009001"
STRANGER = "13900000002"
PIN = "2580"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def ivr_settings(asterisk: AsteriskServer, url: str, **ivr: object) -> Settings:
    base = settings_for(asterisk, url)
    options: dict[str, object] = {"keypad_timeout": 3.0, "survey": {"hotline": "always"}}
    return base.model_copy(update={"ivr": IvrSettings(**{**options, **ivr})})


@contextlib.asynccontextmanager
async def ivr_service(
    settings: Settings, ami: AmiClient, *, keep_calls: bool = False
) -> AsyncIterator[CtiService]:
    """The service with its IVR, the dialplan pointed at it; calls hung up at the end
    unless ``keep_calls`` and all went well (a service stopping under callers, for
    restart tests)."""
    service = CtiService(settings)
    await service.start(online_within=15)
    try:
        response = await ami.action(
            "Setvar", Variable="CTIDESK_AGI", Value=f"agi://127.0.0.1:{service.ivr.port}"
        )
        assert response["Response"] == "Success", response
        yield service
    except BaseException:
        await hang_up_everything(ami)  # a failed test leaves no caller to the next one
        raise
    else:
        if not keep_calls:
            await hang_up_everything(ami)
    finally:
        await service.stop()


@pytest.fixture
async def ivr(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> AsyncIterator[CtiService]:
    """The service with the IVR open around the clock, survey always on hotline."""
    async with ivr_service(ivr_settings(asterisk, sqlite_url), ami) as service:
        yield service


class IvrCall:
    """One caller on an IVR line: waits for the IVR's keypad reads and presses keys."""

    def __init__(self, ami: AmiClient, channel: str) -> None:
        self.ami = ami
        self.channel = channel  # the ;1 half, where the IVR runs
        self.keypad = channel[:-1] + "2"  # the caller's side
        self.reads_answered = 0

    @classmethod
    async def dial(cls, ami: AmiClient, did: str, caller: str, line: str = "s") -> IvrCall:
        """A call from ``caller`` on ``did``; ``line`` is the test caller's extension."""
        ami_events = ami.events
        before = len(ami_events)
        await originate_on(ami, did, caller, line)

        def first_agi() -> AmiMessage | None:
            for event in ami_events[before:]:
                if event.get("Event") == "AGIExecStart" and event.get("CallerIDNum") == caller:
                    return event
            return None

        await ami.wait_for(lambda: first_agi() is not None)
        event = first_agi()
        assert event is not None
        return cls(ami, event["Channel"])

    def commands(self) -> list[str]:
        """Every AGI command the IVR ran on this call so far."""
        return [
            e["Command"]
            for e in self.ami.events
            if e.get("Event") == "AGIExecStart" and e.get("Channel") == self.channel
        ]

    def reads(self) -> list[str]:
        return [c for c in self.commands() if c.startswith(("GET DATA", "GET OPTION"))]

    async def next_read(self) -> str:
        """Wait for the IVR's next keypad read; its command line."""
        wanted = self.reads_answered + 1
        await self.ami.wait_for(lambda: len(self.reads()) >= wanted, 20)
        self.reads_answered = wanted
        return self.reads()[wanted - 1]

    async def press(self, keys: str) -> str:
        """Answer the next keypad read with ``keys``; returns that read's command line."""
        read = await self.next_read()
        for key in keys:
            response = await self.ami.action(
                "PlayDTMF", Channel=self.keypad, Digit=key, Duration="80"
            )
            assert response["Response"] == "Success", response
        return read

    async def hang_up(self) -> None:
        await self.ami.action("Hangup", Channel=self.keypad)

    async def ended(self, within: float = 15) -> None:
        await self.ami.wait_for_event("Hangup", within, Channel=self.channel)

    def said(self, command: str) -> list[str]:
        return [c.removeprefix(command + " ") for c in self.commands() if c.startswith(command)]


async def test_a_member_hears_the_points_and_the_ledger_and_invalid_keys_are_refused(
    ivr: CtiService, ami: AmiClient
) -> None:
    member = await seed_member(ivr)
    call = await IvrCall.dial(ami, POINTS_LINE, MEMBER_PHONE)
    assert "conf-getpin" in await call.press(member[-4:] + "#")  # the number's tail
    assert "vm-options" in await call.press("5")  # no such option
    await call.press("1")  # the last ledger entries
    await call.press("#")  # done
    await call.ended()
    assert call.said("SAY NUMBER")[:2] == [f'{POINTS} ""', f'{POINTS} ""']
    assert 'pm-invalid-option ""' in call.said("STREAM FILE")
    assert len(call.said("SAY DATE")) == 1  # the one ledger entry's date
    assert "SET VARIABLE IVR_RESULT done" in call.commands()
    assert await ivr.crm.selfservice.attempts() == []  # a plain success writes nothing
    assert (ivr.ivr.failed, ivr.ivr.completed) == (0, 1)


async def test_hash_at_the_points_menu_says_goodbye_without_invalid_option(
    ivr: CtiService, ami: AmiClient
) -> None:
    """docs/ivr.md: "# goodbye". GET DATA took # as the end of an empty input; the menu
    heard no key and played "invalid option"."""
    member = await seed_member(ivr)
    call = await IvrCall.dial(ami, POINTS_LINE, MEMBER_PHONE)
    await call.press(member[-4:] + "#")  # the number's tail
    assert "vm-options" in await call.press("#")
    await call.ended()
    assert 'pm-invalid-option ""' not in call.said("STREAM FILE")
    assert call.said("STREAM FILE")[-1] == 'vm-goodbye ""'
    assert "SET VARIABLE IVR_RESULT done" in call.commands()


async def test_hash_at_the_agent_offer_says_goodbye_at_once(
    ivr: CtiService, ami: AmiClient
) -> None:
    """The offer "press 0 for an agent, # to end": # ends it on the first ask."""
    call = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
    for _ in range(2):  # no number typed, twice: the agent is offered
        await call.press("")
    assert "vm-reachoper" in await call.press("#")
    await call.ended()
    assert len([read for read in call.reads() if "vm-reachoper" in read]) == 1
    assert "SET VARIABLE IVR_RESULT done" in call.commands()


async def test_three_wrong_pins_lock_out_and_offer_an_agent_then_the_number_stays_locked(
    ivr: CtiService, ami: AmiClient
) -> None:
    member = await seed_member(ivr)
    await ivr.crm.selfservice.set_pin(member, PIN, actor="tester")
    call = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
    for wrong in ("1111", "2222", "3333"):
        assert "vm-enter-num-to-call" in await call.press(member[2:] + "#")
        assert "agent-pass" in await call.press(wrong + "#")
    assert "vm-reachoper" in await call.press("0")
    joined = await ami.wait_for_event("QueueCallerJoin", Channel=call.channel)
    assert joined["Queue"] == "hotline"
    attempts = await ivr.crm.selfservice.attempts(member_number=member)
    assert [a.outcome for a in reversed(attempts)] == ["wrong", "wrong", "locked_out"]
    await call.hang_up()
    await call.ended()

    again = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
    assert "vm-reachoper" in await again.press("#")  # locked: straight to the offer
    await again.ended()
    assert [c for c in again.commands() if "vm-enter-num-to-call" in c] == []


async def test_a_caller_verified_by_pin_pops_as_the_member_from_an_unknown_number(
    ivr: CtiService, ami: AmiClient
) -> None:
    await add_agent(ivr)
    member = await seed_member(ivr)
    await ivr.crm.selfservice.set_pin(member, PIN, actor="tester")
    async with agent_console(ivr, "agent1") as console:
        assert (await console.post("/api/agent/signin", {})).status == 200
        try:
            call = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
            await call.press(member[2:] + "#")
            await call.press(PIN + "#")
            await call.press("0")  # an agent, please
            pop, _ = await console.next_of("screen_pop", within=30)
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")
    assert pop["caller"] == STRANGER
    assert pop["member"]["number"] == member
    assert pop["verified_in_ivr"] is True
    assert pop["did"] == POINTS_LINE


async def test_the_verified_identity_survives_a_service_restart_while_the_caller_waits(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    """The service that saw the IVR verify the caller stops; the next one resyncs from
    ``CoreShowChannels`` and still pops the member, verified, when an agent is offered."""
    settings = ivr_settings(asterisk, sqlite_url)
    async with ivr_service(settings, ami, keep_calls=True) as first:
        await add_agent(first)
        member = await seed_member(first)
        await first.crm.selfservice.set_pin(member, PIN, actor="tester")
        call = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
        await call.press(member[2:] + "#")
        await call.press(PIN + "#")
        await call.press("0")  # an agent, please: nobody is signed in, so the caller waits
        joined = await ami.wait_for_event("QueueCallerJoin", Channel=call.channel)
        assert joined.get("ChanVariable") == f"CTIDESK_IVR_MEMBER={member}"
        await first.ivr.wait_idle()
    async with ivr_service(settings, ami) as second, agent_console(second, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {})).status == 200
            pop, _ = await console.next_of("screen_pop", within=30)
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")
    assert pop["call_id"] == joined["Linkedid"]
    assert pop["caller"] == STRANGER
    assert pop["member"]["number"] == member
    assert pop["verified_in_ivr"] is True


async def test_hanging_up_in_the_middle_of_the_flow_ends_it_cleanly(
    ivr: CtiService, ami: AmiClient
) -> None:
    await seed_member(ivr)
    call = await IvrCall.dial(ami, POINTS_LINE, MEMBER_PHONE)
    await call.next_read()
    ended = ivr.ivr.ended
    await call.hang_up()
    await ivr.ivr.wait_ended(ended + 1)
    assert (ivr.ivr.hung_up, ivr.ivr.failed) == (1, 0)
    assert await ivr.crm.selfservice.attempts() == []


async def test_five_star_callers_are_queued_first_with_the_lines_medium(
    ivr: CtiService, ami: AmiClient
) -> None:
    member = await seed_member(ivr)
    await ivr.crm.members.update(member, {"level": 5}, actor="tester")
    first = await IvrCall.dial(ami, IVR_LINE, STRANGER)  # unknown: priority 0
    await ami.wait_for_event("QueueCallerJoin", Channel=first.channel)
    vip = await IvrCall.dial(ami, IVR_LINE, MEMBER_PHONE)
    joined = await ami.wait_for_event("QueueCallerJoin", Channel=vip.channel)
    assert joined["Position"] == "1"  # ahead of the caller who came first
    assert "SET VARIABLE QUEUE_PRIO 5" in vip.commands()
    assert "SET VARIABLE QUEUE_PRIO 0" in first.commands()


@contextlib.asynccontextmanager
async def answered_queue_call(
    service: CtiService, ami: AmiClient
) -> AsyncIterator[tuple[str, IvrCall, AmiMessage, Console]]:
    """A member's call on the IVR line answered by agent1: (member, call, AgentConnect,
    agent1's console); everything hung up and signed out at the end."""
    await add_agent(service)
    member = await seed_member(service)
    await ensure_phone_service_evaluation(service.crm.questionnaires)
    async with agent_console(service, "agent1") as console:
        assert (await console.post("/api/agent/signin", {})).status == 200
        try:
            call = await IvrCall.dial(ami, IVR_LINE, MEMBER_PHONE)
            connect = await ami.wait_for_event("AgentConnect", Channel=call.channel)
            yield member, call, connect, console
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")
    await service.ivr.wait_idle()


async def test_after_the_agent_hangs_up_the_caller_answers_the_survey(
    ivr: CtiService, ami: AmiClient
) -> None:
    async with answered_queue_call(ivr, ami) as (member, call, connect, _):
        await ami.action("Hangup", Channel=connect["DestChannel"])
        assert "beep" in await call.press("1")
        await call.press("9")  # no such option: asked again
        await call.press("2")
        await call.next_read()
        await call.hang_up()  # mid-survey: the two answers stay
        await call.ended()
    record = await ivr.call_log.wait_for(connect["Linkedid"], within=15)
    [response] = await ivr.crm.survey_responses.of_member(member)
    assert (response.agent, response.queue) == ("agent1", "hotline")
    assert len(response.answers) == 2
    assert response.completed_at is None
    assert response.call_linked_id == record.linked_id == connect["Linkedid"]
    assert await ivr.crm.selfservice.survey_call(response.id) == connect["Linkedid"]


async def test_an_agent_opts_the_caller_in_to_the_survey_of_an_opt_in_queue(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    opt_in = ivr_settings(asterisk, sqlite_url, survey={}, survey_default="opt-in")
    async with ivr_service(opt_in, ami) as service:
        async with answered_queue_call(service, ami) as (member, call, connect, console):
            call_id = connect["Linkedid"]
            while True:  # until the service's model knows the agent is on the call
                update, _ = await console.next_of("call_update")
                if update["call_id"] == call_id and update["state"] == "answered":
                    break
            refused = await console.post("/api/agent/survey", {"call_id": "1.999"})
            assert refused.status == 404
            opted = await console.post("/api/agent/survey", {"call_id": call_id})
            assert opted.status in (200, 204), await opted.text()
            await ami.action("Hangup", Channel=connect["DestChannel"])
            assert "beep" in await call.press("3")
            await call.next_read()
            await call.hang_up()
            await call.ended()
        [response] = await service.crm.survey_responses.of_member(member)
    assert len(response.answers) == 1
    assert response.agent == "agent1"


async def test_after_hours_the_caller_leaves_a_voicemail_and_agents_get_a_callback(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    # Closed yesterday, today and tomorrow, so a midnight during the test changes nothing.
    today = datetime.now(SHANGHAI).date()
    holidays = [(today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)]
    closed = ivr_settings(asterisk, sqlite_url, holidays=holidays)
    inbox = asterisk.sandbox.layout.root / "var/spool/asterisk/voicemail/ctidesk/1000/INBOX"
    async with ivr_service(closed, ami) as service:
        member = await seed_member(service)
        # The caller talks (music) for 15 s, then hangs up to end the message.
        call = await IvrCall.dial(ami, IVR_LINE, MEMBER_PHONE, line="speak15")
        await ami.wait_for(lambda: any(c.startswith("EXEC VoiceMail") for c in call.commands()))
        await call.ended(within=30)
        await service.ivr.wait_idle()
        reopens = datetime.combine(today + timedelta(days=2), datetime.min.time(), SHANGHAI)
        [callback] = await service.crm.selfservice.callbacks_due(reopens.astimezone(UTC))
        [activity] = await service.crm.activities.activities_of(member)
    assert callback.member_number == member
    assert callback.mailbox == "1000@ctidesk"
    assert callback.due_at == reopens
    assert "EXEC VoiceMail 1000@ctidesk,s" in call.commands()
    assert activity.subject == "Call back: voicemail left after hours"
    # The task names the message app_voicemail saved, and that message is this caller's.
    assert callback.message is not None and callback.message.startswith("INBOX/msg")
    saved = inbox / callback.message.removeprefix("INBOX/")
    try:
        facts = dict(
            line.partition("=")[::2]
            for line in saved.with_suffix(".txt").read_text().splitlines()
            if "=" in line
        )
        assert facts["callerid"] == f'"Caller" <{MEMBER_PHONE}>'
        assert facts["callerchan"] == call.channel
        assert 1 <= int(facts["duration"]) <= 15
        assert saved.with_suffix(".wav").stat().st_size > 44  # more than a WAV header
    finally:
        for part in inbox.glob(saved.name + ".*"):
            part.unlink()


async def originate_on(ami: AmiClient, did: str, caller: str, line: str = "s") -> None:
    """A caller on ``did`` from ``caller``, answering and waiting (or as ``line`` does)."""
    response = await ami.action(
        "Originate", Channel=f"Local/{line}@test-caller", Context="from-trunk", Exten=did,
        Priority="1", CallerID=f'"Caller" <{caller}>', Async="true",
    )  # fmt: skip
    assert response["Response"] == "Success", response


async def test_without_the_ivr_server_the_lines_go_straight_to_the_queue(
    service: CtiService, ami: AmiClient
) -> None:
    closed_port = f"agi://127.0.0.1:{service.ivr.port}"
    await service.ivr.stop()  # nothing listens there any more
    await ami.action("Setvar", Variable="CTIDESK_AGI", Value=closed_port)
    try:
        for did in (POINTS_LINE, IVR_LINE):
            await originate_on(ami, did, STRANGER)
            joined = await ami.wait_for_event("QueueCallerJoin", Exten=did)
            assert joined["Queue"] == "hotline"
    finally:
        await hang_up_everything(ami)
