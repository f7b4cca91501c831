"""A caller the IVR verified joins the queue carrying the member number (``ChanVariable``)."""

from __future__ import annotations

from cti.ami import AmiMessage
from cti.model import AgentRinging, CallCentreModel, CallerQueued
from tests.support.frames import frame

JOIN = {
    "Event": "QueueCallerJoin",
    "Channel": "Local/s@test-caller-00000000;1",
    "CallerIDNum": "13900000001",
    "CallerIDName": "X",
    "Context": "from-trunk",
    "Exten": "4008009000",
    "Uniqueid": "1795356088.0",
    "Linkedid": "1795356088.0",
    "Queue": "hotline",
    "Position": "1",
    "Count": "1",
}


def _queued(event: dict[str, str]) -> CallerQueued:
    [queued] = [
        e for e in CallCentreModel().apply(frame(event), 1.0) if isinstance(e, CallerQueued)
    ]
    return queued


def test_the_verified_member_comes_from_the_channel_variable() -> None:
    # As Asterisk 22 sends it with manager.conf `channelvars = CTIDESK_IVR_MEMBER`.
    queued = _queued({**JOIN, "ChanVariable": "CTIDESK_IVR_MEMBER=I-00000001"})
    assert queued.verified_member == "I-00000001"


def test_no_variable_or_another_one_verifies_nobody() -> None:
    assert _queued(JOIN).verified_member == ""
    assert _queued({**JOIN, "ChanVariable": "OTHER=I-00000001"}).verified_member == ""
    assert _queued({**JOIN, "ChanVariable": "CTIDESK_IVR_MEMBER="}).verified_member == ""


def test_the_variable_is_read_among_several_channel_variables() -> None:
    # manager.conf `channelvars = OTHER,CTIDESK_IVR_MEMBER`: one ChanVariable header each.
    headers = (
        *JOIN.items(),
        ("ChanVariable", "OTHER=x"),
        ("ChanVariable", "CTIDESK_IVR_MEMBER=I-2"),
    )
    [queued] = [
        e for e in CallCentreModel().apply(AmiMessage(headers), 1.0) if isinstance(e, CallerQueued)
    ]
    assert queued.verified_member == "I-2"


WAITING = {  # a CoreShowChannels entry, as Asterisk 22 lists a caller waiting in a queue
    "Event": "CoreShowChannel",
    "Channel": "Local/s@test-caller-00000000;1",
    "ChannelState": "6",
    "CallerIDNum": "13900000002",
    "CallerIDName": "",
    "Context": "ctidesk-ivr",
    "Exten": "s",
    "Uniqueid": "1795356088.0",
    "Linkedid": "1795356088.0",
    "ChanVariable": "CTIDESK_IVR_MEMBER=I-00000001",
    "Application": "Queue",
    "ApplicationData": "hotline,,,,,,,,,",
    "Duration": "00:00:12",
}
CALLED = {
    "Event": "AgentCalled",
    "Channel": WAITING["Channel"],
    "Uniqueid": WAITING["Uniqueid"],
    "Linkedid": WAITING["Linkedid"],
    "CallerIDNum": "13900000002",
    "ChanVariable": WAITING["ChanVariable"],
    "DestChannel": "Local/6001@test-phones-00000001;1",
    "DestUniqueid": "1795356100.2",
    "DestLinkedid": WAITING["Linkedid"],
    "Queue": "hotline",
    "Interface": "Local/6001@test-phones/n",
    "MemberName": "agent1",
}


def _ringing(model: CallCentreModel, event: dict[str, str]) -> AgentRinging:
    [ringing] = [e for e in model.apply(frame(event), 20.0) if isinstance(e, AgentRinging)]
    return ringing


def test_a_resync_keeps_the_verified_member_for_the_agents_pop() -> None:
    model = CallCentreModel()
    model.resync([frame(WAITING)], 10.0)
    assert _ringing(model, {**CALLED, "ChanVariable": ""}).verified_member == "I-00000001"


def test_the_variable_on_any_later_channel_event_verifies_the_call() -> None:
    model = CallCentreModel()
    model.resync([frame({**WAITING, "ChanVariable": ""})], 10.0)
    assert _ringing(model, CALLED).verified_member == "I-00000001"


def test_a_second_resync_without_the_variable_keeps_what_the_first_read() -> None:
    model = CallCentreModel()
    model.resync([frame(WAITING)], 10.0)
    model.resync([frame({**WAITING, "ChanVariable": ""})], 15.0)
    assert _ringing(model, CALLED).verified_member == "I-00000001"
