"""The outbound dialer's dialplan on the real sandbox, driven over AMI as the dialer drives it.

Times are Asterisk's own (``Timestamp:`` on every event, manager.conf timestampevents):
the 2-second rule is a protocol fact of the dialplan, not a measurement of this machine.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from cti.bus.dialplan import (
    ABANDON_MESSAGE_VARIABLE,
    AGENT_ROOM_PREFIX,
    CALLBACK_NUMBER_VARIABLE,
    CALLEE_MACHINE,
    CALLEE_PERSON,
    CALLEE_PRESSES_1,
    CONNECT_DIAL_EXTEN,
    CONNECT_WITHIN_SECONDS,
    DIALER_AGENT_CONTEXT,
    DIALER_AMD_CONTEXT,
    DIALER_CONNECT_CONTEXT,
    DIALER_CONTEXT,
    DIALER_IVR_CONTEXT,
    DIALER_START_EXTEN,
    DIALER_TIMEOUT_EXTEN,
    DIALER_USER_EVENT,
    IVR_KEY_WAIT_VARIABLE,
    IVR_MESSAGE_VARIABLE,
    IVR_QUEUE_VARIABLE,
    LOOPBACK_CARRIER,
    MACHINE_MESSAGE_VARIABLE,
    STEP_ABANDONED,
    STEP_AMD,
    STEP_ANSWERED,
    STEP_CONNECTING,
    STEP_IVR_KEY,
    STEP_IVR_PLAYED,
    STEP_MACHINE_MESSAGE,
    TARGET_VARIABLE,
)
from tests.support.asterisk import AmiClient, AmiMessage
from tests.support.telephony import hang_up_everything

NUMBER = "+86138001380{}"
"""A mobile number in mainland China whose last digit picks the callee's kind."""
AGENT_PHONE = "Local/6001@test-phones/n"
"""An agent's phone that answers at once."""
LATE_BY_AT_MOST = 0.1
"""The message may start this much after the 2 s (the issue's 2.1 s)."""
STAMP_SLACK = 0.01
"""Asterisk stamps an event when it publishes it, not when the dialplan step ran: two
events of one channel can be stamped a few milliseconds out of step with the steps."""


@pytest.fixture
async def dialer_ami(ami: AmiClient) -> AsyncIterator[AmiClient]:
    """The AMI connection; every channel is hung up after the test."""
    yield ami
    await hang_up_everything(ami)


def _at(event: AmiMessage) -> float:
    """When Asterisk sent ``event`` (its ``Timestamp:``, seconds)."""
    return float(event["Timestamp"])


async def _originate(ami: AmiClient, kind: str, context: str, **variables: str) -> str:
    """Dial the test callee of ``kind`` into ``context`` as the dialer does; the attempt id."""
    attempt_id = uuid.uuid4().hex
    fields = {"Variable": ",".join(f"{k}={v}" for k, v in variables.items())} if variables else {}
    response = await ami.action(
        "Originate",
        Channel=f"PJSIP/{NUMBER.format(kind)}@{LOOPBACK_CARRIER}",
        Context=context,
        Exten=DIALER_START_EXTEN,
        Priority="1",
        ChannelId=attempt_id,
        Timeout="10000",
        Async="true",
        **fields,
    )
    assert response["Response"] == "Success", response
    return attempt_id


async def _step(ami: AmiClient, attempt_id: str, step: str, seconds: float = 15) -> AmiMessage:
    """The dialplan's ``UserEvent CtideskDialer`` of ``step`` on the attempt's channel."""
    return await ami.wait_for_event(
        "UserEvent", seconds, UserEvent=DIALER_USER_EVENT, Uniqueid=attempt_id, Step=step
    )


async def _message_start(ami: AmiClient, attempt_id: str) -> AmiMessage:
    """The identification message starting: the T extension's Playback."""
    return await ami.wait_for_event(
        "Newexten", Uniqueid=attempt_id, Extension=DIALER_TIMEOUT_EXTEN, Application="Playback"
    )


async def _agent_in_room(ami: AmiClient, login: str) -> str:
    """Put an agent's phone on its open channel in its own room; the room's name."""
    room = AGENT_ROOM_PREFIX + login
    response = await ami.action(
        "Originate",
        Channel=AGENT_PHONE,
        Context=DIALER_AGENT_CONTEXT,
        Exten=room,
        Priority="1",
        Async="true",
    )
    assert response["Response"] == "Success", response
    await ami.wait_for_event("ConfbridgeJoin", Conference=room)
    return room


async def test_with_nobody_to_connect_the_message_starts_2_seconds_after_answer_and_the_call_ends(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    short = {ABANDON_MESSAGE_VARIABLE: "beep", CALLBACK_NUMBER_VARIABLE: ""}
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT, **short)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    await _step(ami, attempt_id, STEP_ANSWERED)
    abandoned = await _step(ami, attempt_id, STEP_ABANDONED)
    message = await _message_start(ami, attempt_id)
    hangup = await ami.wait_for_event("Hangup", Uniqueid=attempt_id)

    assert message["AppData"] == "beep"  # the campaign's channel variable beats the global
    late = _at(message) - _at(answered)
    assert late >= CONNECT_WITHIN_SECONDS - STAMP_SLACK, late  # never before the deadline
    assert late <= CONNECT_WITHIN_SECONDS + LATE_BY_AT_MOST, late
    assert _at(abandoned) <= _at(message)
    assert hangup["Cause"] == "16"  # the dialplan ends the call after the message


async def test_the_default_message_names_the_call_back_number(dialer_ami: AmiClient) -> None:
    ami = dialer_ami
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT)
    message = await _message_start(ami, attempt_id)
    assert message["AppData"] == "im-sorry&all-circuits-busy-now"
    digits = await ami.wait_for_event("Newexten", Uniqueid=attempt_id, Application="SayDigits")
    assert digits["AppData"] == "4008001234"


async def test_moving_the_callee_into_the_agents_room_before_2_seconds_cancels_the_clock(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    room = await _agent_in_room(ami, "alice")
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    callee = answered["Channel"]

    # Connect as soon as the clock runs (the dialplan's answered step comes after it is set),
    # as the dialer does when an agent is free: the whole 2 s are the margin for a busy
    # machine. (A connect that lands after the clock fired is the next test's.)
    await _step(ami, attempt_id, STEP_ANSWERED)
    redirect = await ami.action(
        "Redirect", Channel=callee, Context=DIALER_CONNECT_CONTEXT, Exten=room, Priority="1"
    )
    assert redirect["Response"] == "Success", redirect
    connecting = await _step(ami, attempt_id, STEP_CONNECTING)
    joined = await ami.wait_for_event("ConfbridgeJoin", Uniqueid=attempt_id, Conference=room)
    assert connecting["Room"] == room
    assert _at(joined) - _at(answered) < CONNECT_WITHIN_SECONDS
    clock = await ami.action("Getvar", Channel=callee, Variable="TIMEOUT(absolute)")
    assert float(clock["Value"]) == 0  # no deadline left on the channel

    # Let Asterisk's own clock pass the deadline: the far end's silence pieces tick each second.
    await ami.wait_for(
        lambda: any(
            e.event == "Newexten" and _at(e) > _at(answered) + CONNECT_WITHIN_SECONDS + 0.5
            for e in ami.events
        )
    )
    mine = [e for e in ami.events if e.get("Uniqueid") == attempt_id]
    assert [e for e in mine if e.get("Extension") == DIALER_TIMEOUT_EXTEN] == []
    assert [e for e in mine if e.event in ("ConfbridgeLeave", "Hangup")] == []

    # The callee leaves; the agent stays on their open channel, alone in the room.
    await ami.action("Hangup", Channel=callee)
    await ami.wait_for_event("ConfbridgeLeave", Uniqueid=attempt_id, Conference=room)
    members = await ami.list_action("ConfbridgeList", Conference=room)
    (agent,) = members
    assert agent["Channel"].startswith(AGENT_PHONE.removesuffix("/n") + "-")


async def test_a_connect_that_lands_after_the_clock_fired_is_refused_and_the_message_plays_in_full(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    room = await _agent_in_room(ami, "alice")
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    callee = answered["Channel"]
    await _message_start(ami, attempt_id)  # the clock has fired: the message is playing

    redirect = await ami.action(
        "Redirect", Channel=callee, Context=DIALER_CONNECT_CONTEXT, Exten=room, Priority="1"
    )
    assert redirect["Response"] == "Success", redirect
    hangup = await ami.wait_for_event("Hangup", Uniqueid=attempt_id)

    mine = [e for e in ami.events if e.get("Uniqueid") == attempt_id]
    assert [e for e in mine if e.event == "ConfbridgeJoin"] == []  # never connected
    assert [e for e in mine if e.get("Step") == STEP_CONNECTING] == []
    starts = [
        i for i, e in enumerate(mine)
        if e.event == "Newexten" and e["Extension"] == DIALER_TIMEOUT_EXTEN
        and e["AppData"] == "im-sorry&all-circuits-busy-now"
    ]  # fmt: skip
    assert len(starts) == 2  # the message began, the Redirect cut it, it began again
    digits = [
        i for i, e in enumerate(mine) if e.event == "Newexten" and e["Application"] == "SayDigits"
    ]
    assert digits and digits[-1] > starts[-1]  # and this time it ran to its end
    assert hangup["Cause"] == "16"
    members = await ami.list_action("ConfbridgeList", Conference=room)
    assert len(members) == 1  # the agent is still alone in their room, free for the next


async def test_a_connect_to_a_room_without_its_agent_plays_the_message_at_once(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    room = AGENT_ROOM_PREFIX + "nobody"
    await ami.action(
        "Redirect",
        Channel=answered["Channel"],
        Context=DIALER_CONNECT_CONTEXT,
        Exten=room,
        Priority="1",
    )
    message = await _message_start(ami, attempt_id)
    assert _at(message) - _at(answered) < CONNECT_WITHIN_SECONDS
    assert not [e for e in ami.events if e.event == "ConfbridgeJoin" and e["Conference"] == room]


async def _connect_by_dial(ami: AmiClient, phone: str) -> tuple[str, AmiMessage]:
    """Dial a person and connect them with the connect context's Dial of ``phone``."""
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_CONTEXT)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    callee = answered["Channel"]
    await ami.action("Setvar", Channel=callee, Variable=TARGET_VARIABLE, Value=phone)
    await ami.action(
        "Redirect",
        Channel=callee,
        Context=DIALER_CONNECT_CONTEXT,
        Exten=CONNECT_DIAL_EXTEN,
        Priority="1",
    )
    return attempt_id, answered


async def test_a_connect_by_dial_to_a_phone_that_answers_at_once_keeps_the_call(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id, answered = await _connect_by_dial(ami, "Local/6002@test-phones/n")
    dialled = await ami.wait_for_event("DialEnd", Uniqueid=attempt_id)
    assert dialled["DialStatus"] == "ANSWER"
    await ami.wait_for_event("BridgeEnter", Uniqueid=attempt_id)
    await ami.wait_for(
        lambda: any(
            e.event == "Newexten" and _at(e) > _at(answered) + CONNECT_WITHIN_SECONDS + 0.5
            for e in ami.events
        )
    )
    mine = [e for e in ami.events if e.get("Uniqueid") == attempt_id]
    assert [e for e in mine if e.get("Extension") == DIALER_TIMEOUT_EXTEN] == []
    assert [e for e in mine if e.event == "Hangup"] == []


async def test_a_connect_by_dial_to_a_phone_that_rings_gives_up_at_the_deadline(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id, answered = await _connect_by_dial(ami, "Local/8002@test-phones/n")
    dialled = await ami.wait_for_event("DialEnd", Uniqueid=attempt_id)
    message = await _message_start(ami, attempt_id)
    assert dialled["DialStatus"] == "NOANSWER"
    late = _at(message) - _at(answered)
    assert late >= CONNECT_WITHIN_SECONDS - STAMP_SLACK, late  # never before the deadline
    assert late <= CONNECT_WITHIN_SECONDS + LATE_BY_AT_MOST, late


async def test_amd_hears_a_person_and_the_clock_starts_at_its_human_verdict(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id = await _originate(ami, CALLEE_PERSON, DIALER_AMD_CONTEXT)
    verdict = await _step(ami, attempt_id, STEP_AMD)
    assert verdict["Status"] == "HUMAN", verdict
    status = await ami.wait_for_event("VarSet", Uniqueid=attempt_id, Variable="AMDSTATUS")
    assert status["Value"] == "HUMAN"
    message = await _message_start(ami, attempt_id)
    late = _at(message) - _at(verdict)
    assert late >= CONNECT_WITHIN_SECONDS - STAMP_SLACK, late  # the clock starts at the verdict
    assert late <= CONNECT_WITHIN_SECONDS + LATE_BY_AT_MOST, late


async def test_amd_hears_a_machine_and_the_campaigns_message_is_left_after_its_greeting(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id = await _originate(
        ami, CALLEE_MACHINE, DIALER_AMD_CONTEXT, **{MACHINE_MESSAGE_VARIABLE: "hello-world"}
    )
    verdict = await _step(ami, attempt_id, STEP_AMD)
    assert verdict["Status"] == "MACHINE", verdict
    left = await _step(ami, attempt_id, STEP_MACHINE_MESSAGE, seconds=30)
    hangup = await ami.wait_for_event("Hangup", Uniqueid=attempt_id)
    assert _at(left) <= _at(hangup)
    steps = [e for e in ami.events if e.get("Uniqueid") == attempt_id and e.event == "UserEvent"]
    assert STEP_ABANDONED not in [e["Step"] for e in steps]  # a machine is never an abandon


async def test_amd_without_a_machine_message_hangs_up_on_the_machine(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id = await _originate(ami, CALLEE_MACHINE, DIALER_AMD_CONTEXT)
    verdict = await _step(ami, attempt_id, STEP_AMD)
    hangup = await ami.wait_for_event("Hangup", Uniqueid=attempt_id)
    assert verdict["Status"] == "MACHINE"
    assert _at(hangup) - _at(verdict) < 1


async def test_an_ivr_message_heard_to_the_end_is_reported(dialer_ami: AmiClient) -> None:
    ami = dialer_ami
    attempt_id = await _originate(
        ami,
        CALLEE_PERSON,
        DIALER_IVR_CONTEXT,
        **{IVR_MESSAGE_VARIABLE: "hello-world", IVR_KEY_WAIT_VARIABLE: "1"},
    )
    played = await _step(ami, attempt_id, STEP_IVR_PLAYED)
    await ami.wait_for_event("Hangup", Uniqueid=attempt_id)
    mine = [e for e in ami.events if e.get("Uniqueid") == attempt_id and e.event == "UserEvent"]
    assert [e["Step"] for e in mine] == [STEP_IVR_PLAYED]
    assert played["Channel"].startswith(f"PJSIP/{LOOPBACK_CARRIER}-")


async def test_key_1_during_an_ivr_message_is_reported_and_reaches_the_queue(
    dialer_ami: AmiClient,
) -> None:
    ami = dialer_ami
    attempt_id = await _originate(
        ami,
        CALLEE_PRESSES_1,
        DIALER_IVR_CONTEXT,
        **{IVR_MESSAGE_VARIABLE: "demo-congrats", IVR_QUEUE_VARIABLE: "vip"},
    )
    key = await _step(ami, attempt_id, STEP_IVR_KEY)
    assert key["Key"] == "1"
    joined = await ami.wait_for_event("QueueCallerJoin", Uniqueid=attempt_id)
    assert joined["Queue"] == "vip"
    steps = [e for e in ami.events if e.get("Uniqueid") == attempt_id and e.event == "UserEvent"]
    assert STEP_IVR_PLAYED not in [e["Step"] for e in steps]
