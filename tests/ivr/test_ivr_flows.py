"""The IVR flows over a real SQLite CRM, driven by the AGI client simulator over TCP.

The simulator plays Asterisk: it answers keypad reads from a script of keys and records
every command, so these tests check what the caller hears (SAY NUMBER …), which keys are
accepted, and what is stored. tests/cti/ivr/test_ivr_asterisk.py runs the same flows
through the real Asterisk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from crm_core.selfservice.schemas import PinPolicy
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm
from ivr.app import build_ivr
from ivr.config import IvrConfig
from ivr.hours import OpeningHours
from ivr.server import AgiServer
from ivr.simulator import HANG_UP, SimulatedCall, environment, simulate_call
from tests.conftest import START, Clock

PHONE = "13812345678"
STRANGER = "13900000009"
PIN = "2580"
CARD = "VIP-0042"
POLICY = PinPolicy(max_attempts=3, lockout=timedelta(minutes=30))


async def _serve(crm: Crm, config: IvrConfig) -> AgiServer:
    server = build_ivr(crm=crm, config=config, port=0)
    await server.start()
    return server


@pytest.fixture
async def member(crm: Crm, clock: Clock) -> str:
    """A five-star member with phone, card, PIN, 1,500 valid points, 300 expiring on 03-20."""
    view = await crm.members.create(
        {"name": "李娜", "phones": [PHONE], "level": 5, "language": "en"}, actor="t"
    )
    await crm.points.gift(view.number, 1200, reason="welcome", operator="t", idempotency_key="a")
    await crm.points.gift(
        view.number, 300, reason="promo", operator="t", idempotency_key="b",
        expires_at=START + timedelta(days=18),
    )  # fmt: skip
    await crm.cards.issue(CARD, "04A1B2C3", actor="t")
    await crm.cards.bind(CARD, view.number, actor="t")
    await crm.selfservice.set_pin(view.number, PIN, actor="t")
    return view.number


@pytest.fixture
async def ivr(crm: Crm, clock: Clock) -> AsyncIterator[AgiServer]:
    """The IVR over the test CRM: open around the clock, survey always on hotline."""
    config = IvrConfig(
        pin_policy=POLICY,
        menu={"1": "hotline", "2": "pc-digital"},
        survey_policy={"hotline": "always"},
        inbound_media={"4008009001": "Shanghai traffic radio"},
        keypad_timeout=1.0,
    )
    server = await _serve(crm, config)
    yield server
    await server.stop()


async def call(
    server: AgiServer, flow: str, *, caller: str = PHONE, keys: list[str], **variables: str
) -> SimulatedCall:
    ended = server.ended
    result = await simulate_call(
        "127.0.0.1", server.port, environment(flow, caller=caller, dnid="4008009001"),
        keys=keys, variables=variables,
    )  # fmt: skip
    await server.wait_ended(ended + 1)
    return result


def numbers(result: SimulatedCall) -> list[int]:
    return [int(args[0]) for args in result.said("SAY NUMBER")]


async def test_a_known_caller_confirms_with_the_number_tail_and_hears_the_balances(
    ivr: AgiServer, crm: Crm, member: str
) -> None:
    result = await call(ivr, "points", keys=[member[-4:], "1", "#"])
    # valid, cumulative, expiring soon; then the ledger (newest first): 300, 1200
    assert numbers(result) == [1500, 1500, 300, 300, 1200]
    dates = [int(args[0]) for args in result.said("SAY DATE")]
    assert dates[0] == int((START + timedelta(days=18)).timestamp())
    assert len(dates) == 1 + 2  # the expiry date, then the two ledger entries' dates
    assert result.said("SAY DIGITS") == [[member[-4:], ""]]
    assert result.variables["CTIDESK_IVR_MEMBER"] == member
    assert result.variables["CTIDESK_IVR_VERIFIED_BY"] == "caller"
    assert result.variables["IVR_RESULT"] == "done"
    assert (ivr.completed, ivr.failed) == (1, 0)
    assert await crm.selfservice.attempts(member_number=member) == []  # nothing to clear


async def test_a_stranger_identifies_with_card_number_and_pin(ivr: AgiServer, member: str) -> None:
    result = await call(ivr, "points", caller=STRANGER, keys=[CARD.replace("VIP-", ""), PIN])
    # "0042" is no card: the wrong entry counts, then the real card number works.
    assert result.variables.get("CTIDESK_IVR_MEMBER") is None
    result = await call(ivr, "points", caller=STRANGER, keys=[member[2:], PIN, "#"])
    assert result.variables["CTIDESK_IVR_MEMBER"] == member
    assert result.variables["CTIDESK_IVR_VERIFIED_BY"] == "pin"
    assert numbers(result)[:2] == [1500, 1500]


async def test_three_wrong_pins_lock_the_number_and_the_member_out_and_offer_an_agent(
    ivr: AgiServer, crm: Crm, clock: Clock, member: str
) -> None:
    keys = [member[2:], "1111", member[2:], "2222", member[2:], "3333", "0"]
    result = await call(ivr, "points", caller=STRANGER, keys=keys)
    assert result.variables["IVR_RESULT"] == "agent"
    assert "CTIDESK_IVR_MEMBER" not in result.variables
    assert result.said("SAY NUMBER") == []
    attempts = await crm.selfservice.attempts(member_number=member)
    assert [a.outcome for a in reversed(attempts)] == ["wrong", "wrong", "locked_out"]
    assert {a.caller for a in attempts} == {STRANGER}

    # The number is locked: not even asked for a number, offered an agent at once.
    again = await call(ivr, "points", caller=STRANGER, keys=["#"])
    assert [line for line in again.commands if line.startswith("GET ")] == [
        "GET OPTION vm-reachoper 0123456789*# 1000"
    ]
    # The member is locked too, even from their own phone and with the right PIN.
    own = await call(ivr, "points", caller=PHONE, keys=[PIN, "#"])
    assert "CTIDESK_IVR_MEMBER" not in own.variables
    assert (await crm.selfservice.attempts(member_number=member))[0].outcome == "locked"

    clock.advance(minutes=31)  # the lock-out ends
    after = await call(ivr, "points", caller=PHONE, keys=[PIN, "#"])
    assert after.variables["CTIDESK_IVR_MEMBER"] == member
    assert (await crm.selfservice.attempts(member_number=member))[0].outcome == "verified"


async def test_silence_and_invalid_keys_are_asked_again_then_an_agent_is_offered(
    ivr: AgiServer, crm: Crm, member: str
) -> None:
    result = await call(ivr, "points", caller=STRANGER, keys=["", "12*34", "", ""])
    reads = ("GET DATA", "GET OPTION")
    prompts = [line.split()[2] for line in result.commands if line.startswith(reads)]
    assert prompts == [
        "vm-enter-num-to-call",
        "vm-enter-num-to-call",
        "vm-reachoper",
        "vm-reachoper",
    ]
    assert result.variables["IVR_RESULT"] == "done"
    assert await crm.selfservice.attempts() == []  # no PIN was typed: nothing counted


async def test_a_hang_up_mid_flow_ends_it_cleanly(ivr: AgiServer, member: str) -> None:
    result = await call(ivr, "points", keys=[member[-4:], HANG_UP])
    assert result.hung_up
    assert (ivr.hung_up, ivr.failed) == (1, 0)
    assert "IVR_RESULT" not in result.variables


@pytest.fixture
async def agent(crm: Crm) -> str:
    await crm.users.add(
        {"login": "agent1", "display_name": "Agent One", "role": "agent",
         "interface": "Local/6001@test-phones/n", "queues": [{"queue": "hotline"}]},
    )  # fmt: skip
    await ensure_phone_service_evaluation(crm.questionnaires)
    return "agent1"


AFTER_QUEUE_CALL = {
    "QUEUENAME": "hotline",
    "MEMBERINTERFACE": "Local/6001@test-phones/n",
    "CHANNEL(linkedid)": "1700000000.7",
}


async def test_the_survey_stores_answers_against_agent_queue_member_and_call(
    ivr: AgiServer, crm: Crm, member: str, agent: str
) -> None:
    # Q1 "1"; Q2 "9" is no option → asked again → "2"; Q3 silent twice → skipped;
    # Q4 "1"; Q5 "3".
    result = await call(ivr, "survey", keys=["1", "9", "2", "", "", "1", "3"], **AFTER_QUEUE_CALL)
    assert result.said("STREAM FILE").count(["pm-invalid-option", ""]) == 2
    responses = await crm.survey_responses.of_member(member)
    assert len(responses) == 1
    response = responses[0]
    assert (response.agent, response.queue, response.channel.value) == (agent, "hotline", "ivr")
    assert response.completed_at is None  # a required question was skipped: partial
    assert len(response.answers) == 4
    assert await crm.selfservice.survey_call(response.id) == "1700000000.7"


async def test_a_caller_who_hangs_up_mid_survey_keeps_the_answers_given(
    ivr: AgiServer, crm: Crm, member: str, agent: str
) -> None:
    await call(ivr, "survey", keys=["1", "2", HANG_UP], **AFTER_QUEUE_CALL)
    [response] = await crm.survey_responses.of_member(member)
    assert len(response.answers) == 2


async def test_without_the_questionnaire_there_is_no_survey_and_no_failure(
    ivr: AgiServer, crm: Crm, member: str
) -> None:
    await crm.users.add(
        {"login": "agent1", "display_name": "Agent One", "role": "agent",
         "interface": "Local/6001@test-phones/n"},
    )  # fmt: skip
    result = await call(ivr, "survey", keys=["1"], **AFTER_QUEUE_CALL)
    assert result.said("GET OPTION") == []
    assert (ivr.completed, ivr.failed) == (1, 0)


async def test_no_survey_unless_the_policy_or_the_agent_asks(
    crm: Crm, member: str, agent: str
) -> None:
    server = await _serve(crm, IvrConfig(survey_default="opt-in", keypad_timeout=1.0))
    try:
        await call(server, "survey", keys=["1"], **AFTER_QUEUE_CALL)
        assert await crm.survey_responses.of_member(member) == []
        unanswered = {**AFTER_QUEUE_CALL, "MEMBERINTERFACE": ""}  # the queue timed out
        await call(server, "survey", keys=["1"], CTIDESK_SURVEY="yes", **unanswered)
        assert await crm.survey_responses.of_member(member) == []
        opted = await call(server, "survey", keys=["1"], CTIDESK_SURVEY="yes", **AFTER_QUEUE_CALL)
        # "1" answers the first question; the other four are asked twice, then skipped.
        assert len(opted.said("GET OPTION")) == 1 + 4 * 2
        [response] = await crm.survey_responses.of_member(member)
        assert len(response.answers) == 1
    finally:
        await server.stop()


async def test_inbound_sets_vip_priority_the_medium_and_the_menu_queue(
    ivr: AgiServer, member: str
) -> None:
    vip = await call(ivr, "inbound", keys=["2"])
    assert vip.variables["QUEUE_PRIO"] == "5"
    assert vip.variables["CTIDESK_MEDIA"] == "Shanghai traffic radio"
    assert vip.variables["CTIDESK_QUEUE"] == "pc-digital"
    stranger = await call(ivr, "inbound", caller=STRANGER, keys=["7", ""])
    assert stranger.variables["QUEUE_PRIO"] == "0"
    assert stranger.variables["CTIDESK_QUEUE"] == "hotline"  # wrong key, then silence


async def test_after_hours_the_caller_leaves_a_voicemail_and_agents_get_a_callback(
    crm: Crm, clock: Clock, member: str
) -> None:
    # START is Monday 09:00 UTC = 17:00 in Shanghai; the centre opens 09:00-12:00.
    hours = OpeningHours.parse({"mon": "09:00-12:00", "tue": "09:00-12:00"}, [], "Asia/Shanghai")
    server = await _serve(crm, IvrConfig(hours=hours, keypad_timeout=1.0))
    try:
        saved = "/var/spool/asterisk/voicemail/ctidesk/1000/INBOX/msg0002"
        result = await call(server, "inbound", keys=[], VM_MESSAGEFILE=saved)
    finally:
        await server.stop()
    assert result.variables["IVR_RESULT"] == "closed"
    assert any(line.startswith("EXEC VoiceMail 1000@ctidesk,s") for line in result.commands)
    tuesday_9 = START.replace(hour=1) + timedelta(days=1)  # 09:00 Shanghai = 01:00 UTC
    [callback] = await crm.selfservice.callbacks_due(tuesday_9)
    assert (callback.member_number, callback.message, callback.due_at) == (
        member, "INBOX/msg0002", tuesday_9,
    )  # fmt: skip
    [activity] = await crm.activities.activities_of(member)
    assert activity.id == callback.activity_id
    assert "INBOX/msg0002" in activity.body
    assert await crm.selfservice.callbacks_due(tuesday_9 - timedelta(minutes=1)) == []


async def test_a_caller_who_hangs_up_before_the_beep_leaves_a_callback_without_a_message(
    crm: Crm, clock: Clock, member: str
) -> None:
    hours = OpeningHours.parse({"tue": "09:00-12:00"}, [], "Asia/Shanghai")
    server = await _serve(crm, IvrConfig(hours=hours, keypad_timeout=1.0))
    try:
        await call(server, "inbound", keys=[])  # app_voicemail saved nothing: no VM_MESSAGEFILE
    finally:
        await server.stop()
    [callback] = await crm.selfservice.callbacks_due(START + timedelta(days=2))
    assert (callback.member_number, callback.message) == (member, None)
    [activity] = await crm.activities.activities_of(member)
    assert "Voicemail (unknown)" in activity.body
