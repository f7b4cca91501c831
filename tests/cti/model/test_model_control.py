"""The model's call-control additions: held time, click-to-dial calls, spies and rooms."""

from __future__ import annotations

from cti.ami import AmiMessage
from cti.model import (
    SERVICE_CALL_PREFIX,
    AgentRinging,
    CallAnswered,
    CallCentreModel,
    CallEnded,
    CallHeld,
    CallTransferred,
    DomainEvent,
    OutboundAnswered,
)
from tests.support.frames import frame

AGENT = "Local/6001@test-phones/n"


def channel(uniqueid: str, name: str, linkedid: str, event: str = "Newchannel") -> AmiMessage:
    return frame({"Event": event, "Uniqueid": uniqueid, "Linkedid": linkedid, "Channel": name,
                  "ChannelState": "6", "CallerIDNum": "13900000001"})  # fmt: skip


def dialled_call(model: CallCentreModel) -> list[DomainEvent]:
    """Agent 6001 clicks to dial 6002; the number answers at t=12."""
    model.expect_outbound("ctidesk-1", AGENT, "6002")
    out = model.apply(channel("ctidesk-1", "Local/6001@test-phones-00000001;1", "ctidesk-1"), 10)
    out += model.apply(
        frame({"Event": "DialBegin", "DestUniqueid": "ctidesk-1", "DestLinkedid": "ctidesk-1",
               "DestChannel": "Local/6001@test-phones-00000001;1"}), 10,
    )  # fmt: skip
    out += model.apply(channel("2.1", "Local/6002@ctidesk-numbers-00000002;1", "ctidesk-1"), 11)
    out += model.apply(
        frame({"Event": "DialEnd", "Uniqueid": "ctidesk-1", "DestUniqueid": "2.1",
               "DialStatus": "ANSWER"}), 12,
    )  # fmt: skip
    return out


def test_an_answered_click_to_dial_call_belongs_to_the_agent_and_pops_once() -> None:
    model = CallCentreModel()
    out = dialled_call(model)
    assert not [e for e in out if isinstance(e, AgentRinging)], "the agent's own phone: no pop"
    (answered,) = [e for e in out if isinstance(e, OutboundAnswered)]
    assert (answered.call_id, answered.agent, answered.number) == ("ctidesk-1", AGENT, "6002")
    assert [e.agent for e in out if isinstance(e, CallAnswered)] == [AGENT]
    call = model.call("ctidesk-1", 13)
    assert call is not None and call.dialled == "6002" and call.agents == (AGENT,)


def test_music_on_an_answered_call_is_hold_and_counts_in_the_call_end() -> None:
    model = CallCentreModel()
    dialled_call(model)
    out = model.apply(frame({"Event": "MusicOnHoldStart", "Uniqueid": "2.1"}), 20)
    assert [e.on_hold for e in out if isinstance(e, CallHeld)] == [True]
    call = model.call("ctidesk-1", 25)
    assert call is not None and call.held and call.held_seconds == 5
    out = model.apply(frame({"Event": "MusicOnHoldStop", "Uniqueid": "2.1"}), 27.5)
    assert [e.on_hold for e in out if isinstance(e, CallHeld)] == [False]
    out = model.apply(frame({"Event": "Hangup", "Uniqueid": "2.1", "Linkedid": "ctidesk-1"}), 30)
    out += model.apply(
        frame({"Event": "Hangup", "Uniqueid": "ctidesk-1", "Linkedid": "ctidesk-1"}), 30
    )
    (ended,) = [e for e in out if isinstance(e, CallEnded)]
    assert ended.held_time == 7.5 and ended.dialled == "6002"
    assert model.has_ended("ctidesk-1") and model.call("ctidesk-1", 31) is None


def test_music_before_the_answer_is_a_queue_caller_waiting_not_hold() -> None:
    model = CallCentreModel()
    model.apply(channel("1.1", "Local/s@test-caller-00000001;1", "1.1"), 1)
    out = model.apply(frame({"Event": "MusicOnHoldStart", "Uniqueid": "1.1"}), 2)
    assert not [e for e in out if isinstance(e, CallHeld)]


def test_spies_and_conference_rooms_are_on_the_channels() -> None:
    model = CallCentreModel()
    dialled_call(model)
    model.apply(
        frame({"Event": "ChanSpyStart", "SpyerUniqueid": "spy-1", "SpyerLinkedid": "spy-1",
               "SpyerChannel": "Local/5009@test-phones-00000003;1", "SpyeeUniqueid": "ctidesk-1",
               "SpyeeLinkedid": "ctidesk-1"}), 14,
    )  # fmt: skip
    spy = model.channel("spy-1")
    assert spy is not None and spy.spying_on == "ctidesk-1"
    model.apply(frame({"Event": "ChanSpyStop", "SpyerUniqueid": "spy-1"}), 15)
    assert model.channel("spy-1").spying_on is None  # type: ignore[union-attr]
    model.apply(frame({"Event": "ConfbridgeJoin", "Conference": "9000", "Uniqueid": "2.1",
                       "Linkedid": "ctidesk-1"}), 16)  # fmt: skip
    assert model.call("ctidesk-1", 16).conference == "9000"  # type: ignore[union-attr]
    model.apply(frame({"Event": "ConfbridgeLeave", "Conference": "9000", "Uniqueid": "2.1"}), 17)
    assert model.call("ctidesk-1", 17).conference is None  # type: ignore[union-attr]


def test_a_transfer_through_the_service_is_marked_on_the_call() -> None:
    model = CallCentreModel()
    dialled_call(model)
    (event,) = model.mark_transferred("ctidesk-1", kind="blind", target="agent2", agent=AGENT,
                                      at=20)  # fmt: skip
    assert isinstance(event, CallTransferred) and event.target == "agent2"
    assert model.call("ctidesk-1", 21).transferred  # type: ignore[union-attr]
    assert model.mark_transferred("nope", kind="blind", target="x", agent=None, at=20) == []


def bridge_enter(bridge: str, uniqueid: str, name: str) -> AmiMessage:
    entered = channel(uniqueid, name, "ctidesk-1", "BridgeEnter")
    return AmiMessage((*entered.headers, ("BridgeUniqueid", bridge)))


def test_a_call_transferred_to_an_agent_is_theirs_once_their_phone_reaches_the_caller() -> None:
    model = CallCentreModel()
    dialled_call(model)  # agent 6001's leg "ctidesk-1", the callee "2.1" (nobody's phone)
    target = "Local/6003@test-phones/n"
    model.expect_transfer("ctidesk-1", target, "Agent Three", 20)
    consult_leg = "Local/6003@test-phones-00000004;1"
    out = model.apply(channel("4.1", consult_leg, "ctidesk-1"), 21)
    agent_leg = "Local/6001@test-phones-00000001;1"
    out += model.apply(bridge_enter("consult", "ctidesk-1", agent_leg), 22)
    out += model.apply(bridge_enter("consult", "4.1", consult_leg), 22)
    assert not [e for e in out if isinstance(e, CallAnswered)], "a consult is not the landing"
    assert model.call("ctidesk-1", 22).agent == AGENT  # type: ignore[union-attr]

    out = model.apply(bridge_enter("landed", "4.1", consult_leg), 23)
    out += model.apply(bridge_enter("landed", "2.1", "Local/6002@ctidesk-numbers-00000002;1"), 23)
    assert [(e.agent, e.call_id) for e in out if isinstance(e, CallAnswered)] == [
        (target, "ctidesk-1")
    ]
    assert model.call("ctidesk-1", 24).agent == target  # type: ignore[union-attr]
    agent = model.agent(target, 24)
    assert agent is not None and agent.state.value == "on_call"
    again = model.apply(bridge_enter("landed", "2.1", "Local/6002@ctidesk-numbers-00000002;1"), 25)
    assert not [e for e in again if isinstance(e, CallAnswered)], "lands once"


def test_the_services_own_recorder_channels_are_never_calls_of_the_centre() -> None:
    """A recorder (cti/recordings) is a Local pair with ids of SERVICE_CALL_PREFIX that
    spies on the agent's leg: it must not become a call, a channel or a call record."""
    model = CallCentreModel()
    dialled_call(model)
    recorder = f"{SERVICE_CALL_PREFIX}0123456789abcdef"
    name = "Local/s@ctidesk-record-00000004"
    out = model.apply(channel(recorder, f"{name};1", recorder), 13)
    out += model.apply(channel(f"{recorder}-2", f"{name};2", recorder), 13)
    out += model.apply(
        frame({"Event": "ChanSpyStart", "SpyerUniqueid": f"{recorder}-2",
               "SpyerLinkedid": recorder, "SpyerChannel": f"{name};2",
               "SpyeeUniqueid": "ctidesk-1", "SpyeeLinkedid": "ctidesk-1"}), 14,
    )  # fmt: skip
    out += model.apply(channel(f"{recorder}-2", f"{name};2", recorder, event="Hangup"), 20)
    assert out == []
    assert model.call(recorder, 20) is None
    assert model.channel(recorder) is None and model.channel(f"{recorder}-2") is None
    assert [call.call_id for call in model.snapshot(20).calls] == ["ctidesk-1"]
