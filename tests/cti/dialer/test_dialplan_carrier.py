"""The sandbox's loopback carrier: each test callee ends its call as a real trunk reports it.

The dialer classifies an attempt by the Q.850 cause of the ``Hangup`` of the channel it
originated (``ChannelId`` = the attempt's id), because over PJSIP ``OriginateResponse``'s
``Reason`` is 0 for busy, congestion, unallocated and rejected alike and ``DialEnd`` says
NOANSWER for an unallocated number. These tests pin that table on the real sandbox.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from cti.bus.dialplan import (
    CALLEE_BUSY,
    CALLEE_CONGESTION,
    CALLEE_NO_ANSWER,
    CALLEE_PERSON,
    CALLEE_REJECTED,
    CALLEE_UNALLOCATED,
    DIALER_CONTEXT,
    DIALER_START_EXTEN,
    LOOPBACK_CARRIER,
)
from tests.support.asterisk import AmiClient, AmiMessage
from tests.support.telephony import hang_up_everything

NUMBER = "+86138001380{}"
"""A mobile number in mainland China whose last digit picks the callee's kind."""
RING_TIMEOUT_MS = 3000
"""How long an unanswered test callee rings (the dialer's own minimum is 15 s)."""


@pytest.fixture
async def carrier_ami(ami: AmiClient) -> AsyncIterator[AmiClient]:
    """The AMI connection; every channel is hung up after the test."""
    yield ami
    await hang_up_everything(ami)


async def _originate(ami: AmiClient, kind: str) -> str:
    """Dial the callee of ``kind`` through the loopback carrier as the dialer does; its id."""
    attempt_id = uuid.uuid4().hex
    response = await ami.action(
        "Originate",
        Channel=f"PJSIP/{NUMBER.format(kind)}@{LOOPBACK_CARRIER}",
        Context=DIALER_CONTEXT,
        Exten=DIALER_START_EXTEN,
        Priority="1",
        ChannelId=attempt_id,
        Timeout=str(RING_TIMEOUT_MS),
        CallerID='"Acme" <4008001234>',
        Async="true",
    )
    assert response["Response"] == "Success", response
    return attempt_id


def _dial_end(ami: AmiClient, attempt_id: str) -> AmiMessage | None:
    ends = [e for e in ami.events if e.event == "DialEnd" and e.get("DestUniqueid") == attempt_id]
    return ends[0] if ends else None


@pytest.mark.parametrize(
    ("kind", "cause", "reason", "dial_status"),
    [
        pytest.param(CALLEE_BUSY, "17", "0", "BUSY", id="busy"),
        pytest.param(CALLEE_CONGESTION, "34", "0", "CONGESTION", id="congestion"),
        pytest.param(CALLEE_UNALLOCATED, "1", "0", "NOANSWER", id="unallocated"),
        pytest.param(CALLEE_REJECTED, "21", "0", "NOANSWER", id="rejected"),
        pytest.param(CALLEE_NO_ANSWER, "19", "3", None, id="no-answer"),
    ],
)
async def test_a_callee_that_does_not_answer_ends_with_its_own_hangup_cause(
    carrier_ami: AmiClient, kind: str, cause: str, reason: str, dial_status: str | None
) -> None:
    ami = carrier_ami
    attempt_id = await _originate(ami, kind)
    hangup = await ami.wait_for_event("Hangup", Uniqueid=attempt_id)
    response = await ami.wait_for_event("OriginateResponse", Uniqueid=attempt_id)
    assert hangup["Cause"] == cause, hangup
    assert hangup["Channel"].startswith(f"PJSIP/{LOOPBACK_CARRIER}-")
    assert (response["Response"], response["Reason"]) == ("Failure", reason)
    end = _dial_end(ami, attempt_id)
    assert (end["DialStatus"] if end else None) == dial_status
    steps = [e for e in ami.events if e.event == "Newexten" and e.get("Uniqueid") == attempt_id]
    assert [e for e in steps if e["Context"] == DIALER_CONTEXT] == []  # runs only once answered


async def test_a_person_answers_through_the_carrier_and_enters_the_dialer_context(
    carrier_ami: AmiClient,
) -> None:
    ami = carrier_ami
    attempt_id = await _originate(ami, CALLEE_PERSON)
    answered = await ami.wait_for_event("Newstate", Uniqueid=attempt_id, ChannelStateDesc="Up")
    response = await ami.wait_for_event("OriginateResponse", Uniqueid=attempt_id)
    assert (response["Response"], response["Reason"]) == ("Success", "4")
    assert response["Uniqueid"] == answered["Linkedid"] == attempt_id
    end = _dial_end(ami, attempt_id)
    assert end is not None and end["DialStatus"] == "ANSWER"
    entered = await ami.wait_for_event("Newexten", Uniqueid=attempt_id, Context=DIALER_CONTEXT)
    assert entered["Extension"] == DIALER_START_EXTEN
    assert ami.events.index(answered) < ami.events.index(entered)
