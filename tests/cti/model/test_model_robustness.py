"""The state machine survives what real AMI streams do: duplicates, reordering, unknowns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cti.ami import AmiMessage, read_recording
from cti.model import (
    AgentRinging,
    AgentStatus,
    CallAnswered,
    CallCentreModel,
    CallEnded,
    CallerQueued,
    CallTransferred,
    DomainEvent,
)
from tests.support.frames import frame
from tests.support.paths import AMI_FIXTURES

FIXTURES = AMI_FIXTURES
ALICE = "Local/6001@test-phones/n"


def frames(name: str) -> list[AmiMessage]:
    return list(read_recording(FIXTURES / name))


def replay(model: CallCentreModel, stream: list[AmiMessage]) -> list[DomainEvent]:
    return model.apply_all((f, float(f["Timestamp"])) for f in stream)


def signed_in() -> CallCentreModel:
    model = CallCentreModel(wrapup_seconds={"support": 30.0})
    replay(model, frames("members.txt"))
    return model


def count(events: list[DomainEvent], kind: type) -> int:
    return sum(isinstance(e, kind) for e in events)


def test_every_event_twice_gives_the_same_domain_events() -> None:
    stream = frames("queue_call_answered.txt")
    once = replay(signed_in(), stream)
    twice = replay(signed_in(), [f for f in stream for _ in (0, 1)])
    assert twice == once


def test_agent_connect_before_the_bridge_and_the_bridge_before_agent_connect() -> None:
    stream = frames("queue_call_answered.txt")
    connect = next(i for i, f in enumerate(stream) if f["Event"] == "AgentConnect")
    moved = stream[:connect] + stream[connect + 1 :]
    last_enter = max(i for i, f in enumerate(moved) if f["Event"] == "BridgeEnter")
    moved.insert(last_enter + 1, stream[connect])
    for order in (stream, moved):
        events = replay(signed_in(), order)
        assert count(events, CallAnswered) == 1
        assert count(events, CallEnded) == 1


def test_unknown_events_and_hangups_of_unknown_channels_change_nothing() -> None:
    model = signed_in()
    before = model.snapshot(1.0)
    assert model.apply(frame({"Event": "SomethingNew", "Uniqueid": "x"}), 1.0) == []
    assert (
        model.apply(frame({"Event": "Hangup", "Uniqueid": "nope", "Linkedid": "nope"}), 1.0) == []
    )
    assert model.apply(frame({}), 1.0) == []
    assert model.apply(frame({"Event": "AgentComplete", "Interface": "PJSIP/9"}), 1.0) == []
    assert model.snapshot(1.0) == before


def test_late_events_do_not_bring_an_ended_call_back() -> None:
    model = signed_in()
    stream = frames("queue_call_answered.txt")
    replay(model, stream)
    late = [f for f in stream if f["Event"] in {"QueueCallerJoin", "AgentCalled", "Newchannel"}]
    assert count(replay(model, late), CallerQueued) == 0
    assert model.snapshot(1700001000.0).calls == ()


def test_a_blind_transfer_is_reported_with_the_transferring_agent() -> None:
    model = signed_in()
    stream = frames("queue_call_answered.txt")
    hold = next(i for i, f in enumerate(stream) if f["Event"] == "Hold")
    replay(model, stream[:hold])
    transfer = {
        "Event": "BlindTransfer",
        "Result": "Success",
        "TransfererUniqueid": "1700000000.2",
        "TransfererLinkedid": "1700000000.1",
        "TransfereeUniqueid": "1700000000.1",
        "TransfereeLinkedid": "1700000000.1",
        "Extension": "6002",
        "Context": "from-internal",
    }
    events = model.apply(frame(transfer), 1700000040.0)
    assert events == [
        CallTransferred(
            at=1700000040.0,
            call_id="1700000000.1",
            kind="blind",
            target="6002@from-internal",
            agent=ALICE,
        )
    ]
    failed = {**transfer, "Result": "Fail"}
    assert model.apply(frame(failed), 1700000041.0) == []


def test_a_direct_call_to_an_agent_phone_rings_the_agent() -> None:
    model = signed_in()
    caller = {
        "Uniqueid": "d.1",
        "Linkedid": "d.1",
        "Channel": "PJSIP/trunk-0000000d",
        "CallerIDNum": "13700137000",
        "Exten": "6002",
    }
    model.apply(frame({"Event": "Newchannel", **caller}), 5.0)
    dial = {
        "Event": "DialBegin",
        **caller,
        "DestUniqueid": "d.2",
        "DestLinkedid": "d.1",
        "DestChannel": "PJSIP/6002-0000000e",
    }
    events = model.apply(frame(dial), 6.0)
    assert isinstance(events[0], AgentRinging)
    bridge = {
        "Event": "BridgeEnter",
        "BridgeUniqueid": "b",
        "Uniqueid": "d.2",
        "Linkedid": "d.1",
        "Channel": "PJSIP/6002-0000000e",
    }
    answered = model.apply(frame(bridge), 9.0)
    assert count(answered, CallAnswered) == 1
    view = model.agent("PJSIP/6002", 10.0)
    assert view is not None and view.state is AgentStatus.ON_CALL and view.call_id == "d.1"


def test_resync_from_asterisk_lists_rebuilds_the_same_model() -> None:
    stream = frames("queue_call_answered.txt")
    hold = next(i for i, f in enumerate(stream) if f["Event"] == "Hold")
    live = signed_in()
    replay(live, stream[:hold])
    at = 1700000020.0
    entries = [
        {
            "Event": "CoreShowChannel",
            "Channel": c.name,
            "Uniqueid": c.uniqueid,
            "Linkedid": c.linkedid,
            "ChannelState": str(c.state),
            "CallerIDNum": c.caller_number,
            "CallerIDName": c.caller_name,
            "Exten": "4008001234" if c.uniqueid == c.linkedid else "6001",
            "BridgeId": c.bridge_id or "",
            "Duration": "00:00:10",
        }
        for c in live.snapshot(at).channels
    ]
    entries.append({"Event": "BridgeListItem", "BridgeUniqueid": "b-1", "BridgeType": "basic"})
    entries.append({"Event": "QueueParams", "Queue": "support", "Completed": "0", "Abandoned": "0"})
    for member in live.snapshot(at).queues[0].members:
        entries.append(
            {
                "Event": "QueueMember",
                "Queue": "support",
                "Name": member.name,
                "Location": member.interface,
                "StateInterface": member.state_interface,
                "Status": str(member.status),
                "InCall": str(int(member.in_call)),
                "Paused": "0",
                "CallsTaken": "0",
                "Membership": "dynamic",
            }
        )
    rebuilt = CallCentreModel(wrapup_seconds={"support": 30.0})
    rebuilt.resync(map(frame, entries), at)
    ours, theirs = live.snapshot(at), rebuilt.snapshot(at)
    assert [(a.interface, a.state, a.call_id) for a in theirs.agents] == [
        (a.interface, a.state, a.call_id) for a in ours.agents
    ]
    assert theirs.queues[0].members == ours.queues[0].members
    assert [(c.call_id, c.agent, c.channel_ids) for c in theirs.calls] == [
        (c.call_id, c.agent, c.channel_ids) for c in ours.calls
    ]
    assert theirs.bridges == ours.bridges
    again = live.resync(map(frame, entries), at)
    assert again == []


def test_resync_ends_calls_asterisk_no_longer_has() -> None:
    live = signed_in()
    stream = frames("queue_call_answered.txt")
    replay(live, stream[:20])
    events = live.resync([], 1700000030.0)
    assert count(events, CallEnded) == 1
    assert live.snapshot(1700000030.0).calls == ()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_shuffled_and_duplicated_streams_never_raise_or_go_negative(data: st.DataObject) -> None:
    stream = frames("members.txt") + frames("queue_call_answered.txt")
    stream += frames("queue_call_abandoned.txt")
    picks = data.draw(st.lists(st.sampled_from(range(len(stream))), max_size=len(stream) * 2))
    order = data.draw(st.permutations(list(range(len(stream))) + picks))
    model = CallCentreModel(wrapup_seconds={"support": 30.0})
    for step, index in enumerate(order):
        model.apply(stream[index], float(step))
    snapshot = model.snapshot(float(len(order)))
    for queue in snapshot.queues:
        assert queue.completed >= 0 and queue.abandoned >= 0
        assert all(c.wait_time >= 0 for c in queue.callers)
        assert [c.position for c in queue.callers] == list(range(1, len(queue.callers) + 1))
        assert all(m.calls_taken >= 0 for m in queue.members)
    assert all(a.time_in_state >= 0 for a in snapshot.agents)
    for call in snapshot.calls:
        assert all(u in {c.uniqueid for c in snapshot.channels} for u in call.channel_ids)


def test_resync_reads_the_conference_room_a_channel_sits_in() -> None:
    entry = {
        "Event": "CoreShowChannel",
        "Channel": "Local/s@test-caller-0000002a;1",
        "ChannelState": "6",
        "CallerIDNum": "13812345678",
        "Uniqueid": "1700000000.7",
        "Linkedid": "1700000000.7",
        "Context": "conferences",
        "Exten": "9003",
        "Application": "ConfBridge",
        "ApplicationData": "9003,ctidesk_bridge,ctidesk_user",
        "Duration": "00:01:00",
    }
    model = CallCentreModel()
    model.resync([frame(entry)], 1700000100.0)
    call = model.call("1700000000.7", 1700000100.0)
    assert call is not None and call.conference == "9003"
    model.resync([frame({**entry, "Application": "Wait", "ApplicationData": "3600"})], 1700000110.0)
    again = model.call("1700000000.7", 1700000110.0)
    assert again is not None and again.conference is None
