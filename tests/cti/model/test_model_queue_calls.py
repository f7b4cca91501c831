"""The state machine follows queue calls from recorded-shape AMI streams."""

from __future__ import annotations

import pytest

from cti.ami import AmiMessage, read_recording
from cti.model import (
    AgentRinging,
    AgentStateChanged,
    AgentStatus,
    CallAbandoned,
    CallAnswered,
    CallCentreModel,
    CallEnded,
    CallerQueued,
    CallHeld,
    DomainEvent,
    WrapupEnded,
)
from cti.model.views import WRAPUP_PAUSE_REASON
from tests.support.frames import frame
from tests.support.paths import AMI_FIXTURES

FIXTURES = AMI_FIXTURES
ALICE = "Local/6001@test-phones/n"
BOB = "PJSIP/6002"


def stream(name: str) -> list[tuple[AmiMessage, float]]:
    """A fixture's frames with the time each one carries."""
    return [(f, float(f["Timestamp"])) for f in read_recording(FIXTURES / name)]


def replay(model: CallCentreModel, events: list[tuple[AmiMessage, float]]) -> list[DomainEvent]:
    return model.apply_all(events)


def agent_states(events: list[DomainEvent], agent: str) -> list[AgentStatus]:
    return [e.state for e in events if isinstance(e, AgentStateChanged) and e.agent == agent]


def of_type(events: list[DomainEvent], kind: type) -> list[DomainEvent]:
    return [e for e in events if isinstance(e, kind)]


@pytest.fixture
def model() -> CallCentreModel:
    signed_in = CallCentreModel(wrapup_seconds={"support": 30.0})
    replay(signed_in, stream("members.txt"))
    return signed_in


def test_members_sign_agents_in_as_ready(model: CallCentreModel) -> None:
    snapshot = model.snapshot(1700000000.0)
    assert [(a.interface, a.state) for a in snapshot.agents] == [
        (ALICE, AgentStatus.READY),
        (BOB, AgentStatus.READY),
    ]
    assert snapshot.queues[0].name == "support"
    assert [m.name for m in snapshot.queues[0].members] == ["Alice", "Bob"]


def test_an_answered_queue_call_emits_its_story_once(model: CallCentreModel) -> None:
    events = replay(model, stream("queue_call_answered.txt"))
    kinds = [type(e).__name__ for e in events if not isinstance(e, AgentStateChanged)]
    assert kinds == [
        "CallerQueued",
        "AgentRinging",
        "CallAnswered",
        "CallHeld",
        "CallHeld",
        "CallEnded",
    ]
    queued = of_type(events, CallerQueued)[0]
    assert isinstance(queued, CallerQueued)
    assert (queued.caller_number, queued.caller_name) == ("13800138000", "José 张")
    assert queued.did == "4008001234"
    ringing = of_type(events, AgentRinging)[0]
    assert isinstance(ringing, AgentRinging)
    assert (ringing.agent, ringing.queue, ringing.call_id) == (ALICE, "support", "1700000000.1")
    answered = of_type(events, CallAnswered)[0]
    assert isinstance(answered, CallAnswered)
    assert (answered.hold_time, answered.ring_time) == (4.0, 3.0)
    ended = of_type(events, CallEnded)[0]
    assert isinstance(ended, CallEnded)
    assert ended.outcome == "answered"
    assert (ended.agent, ended.queue, ended.talk_time, ended.cause) == (ALICE, "support", 60.0, 16)
    assert ended.cause_text == "Normal Clearing"
    assert [e.on_hold for e in of_type(events, CallHeld)] == [True, False]  # type: ignore[attr-defined]
    assert agent_states(events, ALICE) == [
        AgentStatus.RINGING,
        AgentStatus.ON_CALL,
        AgentStatus.WRAP_UP,
    ]


def test_wrap_up_ends_when_its_time_has_passed(model: CallCentreModel) -> None:
    replay(model, stream("queue_call_answered.txt"))
    ended_at = 1700000075.0
    assert model.tick(ended_at + 29.0) == []
    view = model.agent(ALICE, ended_at + 29.0)
    assert view is not None and view.state is AgentStatus.WRAP_UP
    events = model.tick(ended_at + 30.0)
    assert agent_states(events, ALICE) == [AgentStatus.READY]


def test_wrap_up_ends_early_on_request(model: CallCentreModel) -> None:
    replay(model, stream("queue_call_answered.txt"))
    events = model.end_wrapup(ALICE, 1700000080.0)
    assert agent_states(events, ALICE) == [AgentStatus.READY]
    assert model.end_wrapup(ALICE, 1700000081.0) == []


def pause(interface: str, paused: bool, reason: str = "") -> AmiMessage:
    """A QueueMemberPause event for ``interface`` in queue support."""
    return frame({
        "Event": "QueueMemberPause", "Queue": "support", "Interface": interface,
        "MemberName": "Alice", "Paused": "1" if paused else "0", "PausedReason": reason,
    })  # fmt: skip


def test_wrap_up_ending_is_announced_with_its_call(model: CallCentreModel) -> None:
    replay(model, stream("queue_call_answered.txt"))
    events = model.tick(1700000075.0 + 30.0)
    ended = of_type(events, WrapupEnded)
    assert ended == [WrapupEnded(at=1700000105.0, agent=ALICE, call_id="1700000000.1")]
    assert events.index(ended[0]) < events.index(of_type(events, AgentStateChanged)[0])


def test_an_agent_held_for_wrap_up_stays_in_wrap_up_until_released(
    model: CallCentreModel,
) -> None:
    replay(model, stream("queue_call_answered.txt"))
    at = 1700000076.0
    assert agent_states(model.apply(pause(ALICE, True, WRAPUP_PAUSE_REASON), at), ALICE) == []
    events = model.tick(at + 30.0)
    assert of_type(events, WrapupEnded) and agent_states(events, ALICE) == []
    view = model.agent(ALICE, at + 30.0)
    assert view is not None and view.state is AgentStatus.WRAP_UP
    released = model.apply(pause(ALICE, False), at + 30.5)
    assert agent_states(released, ALICE) == [AgentStatus.READY]


def test_a_pause_the_agent_chose_during_wrap_up_outlives_it(model: CallCentreModel) -> None:
    replay(model, stream("queue_call_answered.txt"))
    at = 1700000076.0
    model.apply(pause(ALICE, True, "lunch"), at)
    events = model.tick(at + 30.0)
    assert agent_states(events, ALICE) == [AgentStatus.PAUSED]
    view = model.agent(ALICE, at + 30.0)
    assert view is not None and view.reason == "lunch"


def test_the_next_event_ends_a_due_wrap_up(model: CallCentreModel) -> None:
    replay(model, stream("queue_call_answered.txt"))
    events = model.apply(frame({"Event": "VarSet", "Variable": "X"}), 1700000200.0)
    assert agent_states(events, ALICE) == [AgentStatus.READY]


def test_a_caller_who_hangs_up_while_queued_is_abandoned(model: CallCentreModel) -> None:
    events = replay(model, stream("queue_call_abandoned.txt"))
    abandoned = of_type(events, CallAbandoned)
    assert len(abandoned) == 1
    assert isinstance(abandoned[0], CallAbandoned)
    assert (abandoned[0].wait_time, abandoned[0].queue, abandoned[0].position) == (
        19.0,
        "support",
        1,
    )
    ended = of_type(events, CallEnded)[0]
    assert isinstance(ended, CallEnded)
    assert ended.outcome == "abandoned"
    assert ended.wait_time == 19.0
    assert agent_states(events, BOB) == [AgentStatus.RINGING, AgentStatus.READY]
    snapshot = model.snapshot(1700000200.0)
    assert snapshot.queues[0].callers == ()
    assert snapshot.queues[0].abandoned == 1
    assert snapshot.calls == ()


def test_queued_callers_have_positions_and_wait_times(model: CallCentreModel) -> None:
    for n, at in ((1, 10.0), (2, 20.0), (3, 30.0)):
        model.apply(_join(f"c{n}", n), at)
    model.apply(frame({"Event": "QueueCallerLeave", "Queue": "support", "Uniqueid": "c1"}), 40.0)
    callers = model.snapshot(50.0).queues[0].callers
    assert [(c.call_id, c.position, c.wait_time) for c in callers] == [
        ("c2", 1, 30.0),
        ("c3", 2, 20.0),
    ]


def test_a_hangup_while_queued_without_an_abandon_event_still_abandons(
    model: CallCentreModel,
) -> None:
    model.apply(_join("c1", 1), 10.0)
    events = model.apply(
        frame({"Event": "Hangup", "Uniqueid": "c1", "Linkedid": "c1", "Cause": "16"}), 25.0
    )
    abandoned = of_type(events, CallAbandoned)
    assert len(abandoned) == 1 and abandoned[0].wait_time == 15.0  # type: ignore[attr-defined]


def test_pause_with_reason_and_sign_out(model: CallCentreModel) -> None:
    pause = _member_event("QueueMemberPause", BOB, "Bob", Paused="1", PausedReason="lunch")
    events = model.apply(pause, 100.0)
    assert [(e.state, e.reason) for e in events] == [(AgentStatus.PAUSED, "lunch")]  # type: ignore[attr-defined]
    view = model.agent(BOB, 160.0)
    assert view is not None and view.time_in_state == 60.0
    removed = _member_event("QueueMemberRemoved", BOB, "Bob")
    assert agent_states(model.apply(removed, 200.0), BOB) == [AgentStatus.SIGNED_OUT]


def _join(uniqueid: str, position: int) -> AmiMessage:
    return frame(
        {
            "Event": "QueueCallerJoin",
            "Queue": "support",
            "Position": str(position),
            "Channel": f"PJSIP/trunk-{uniqueid}",
            "Uniqueid": uniqueid,
            "Linkedid": uniqueid,
            "CallerIDNum": "100",
        }
    )


def _member_event(name: str, interface: str, member: str, **fields: str) -> AmiMessage:
    return frame(
        {
            "Event": name,
            "Queue": "support",
            "Interface": interface,
            "MemberName": member,
            **fields,
        }
    )
