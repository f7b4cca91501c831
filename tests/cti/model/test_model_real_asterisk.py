"""What the real Asterisk 22 sends, replayed offline: a recorded stream, DIDs, bare AgentComplete.

The ``recorded-*.ami`` fixtures are raw AMI streams of one answered hotline call on the
sandbox (re-record them with ``tests/cti/model/test_recorded_stream.py``): a Local-channel
caller (``Local/s@test-caller``) dials 4008001234 in ``from-trunk``, the auto-answer
phone ``Local/6001@test-phones/n`` answers, the caller is hung up. In
``recorded-answered-call.ami`` the agent's leg went first; in
``recorded-caller-hangs-up-first.ami`` the caller's did, and ``AgentComplete`` came
without the caller's ``Channel``/``Uniqueid``/``Linkedid``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.ami import AmiMessage
from cti.model import (
    AgentRinging,
    AgentStateChanged,
    AgentStatus,
    CallAnswered,
    CallCentreModel,
    CallEnded,
    CallerQueued,
    DomainEvent,
)
from tests.support.frames import frame
from tests.support.paths import AMI_FIXTURES
from tests.support.recorded import AGENT, RECORDING, recorded_events

FIXTURES = AMI_FIXTURES
CALLER_FIRST = FIXTURES / "recorded-caller-hangs-up-first.ami"
DID = "4008001234"
STORY = (CallerQueued, AgentRinging, CallAnswered, CallEnded)
CALLER_FIELDS = ("Channel", "Uniqueid", "Linkedid", "DestLinkedid", "CallerIDName", "Exten")


def story(events: list[DomainEvent]) -> list[DomainEvent]:
    return [e for e in events if isinstance(e, STORY)]


def ended(events: list[DomainEvent]) -> CallEnded:
    found = [e for e in events if isinstance(e, CallEnded)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("path", [RECORDING, CALLER_FIRST], ids=lambda p: p.stem)
def test_a_recorded_call_replays_to_its_story_with_the_dialled_did(path: Path) -> None:
    recorded = recorded_events(path)
    call_id = next(f["Linkedid"] for f, _ in recorded if f["Event"] == "QueueCallerJoin")
    events = CallCentreModel().apply_all(recorded)

    queued, ringing, answered, end = story(events)
    assert [type(e) for e in (queued, ringing, answered, end)] == list(STORY)
    assert isinstance(queued, CallerQueued) and isinstance(ringing, AgentRinging)
    assert isinstance(answered, CallAnswered) and isinstance(end, CallEnded)
    assert {e.call_id for e in (queued, ringing, answered, end)} == {call_id}
    assert (queued.did, ringing.did, end.did) == (DID, DID, DID)
    assert (queued.queue, queued.caller_number, queued.caller_name) == (
        "hotline",
        "13800138000",
        "Test Caller",
    )
    assert (ringing.agent, answered.agent, end.agent) == (AGENT, AGENT, AGENT)
    assert (end.outcome, end.queue, end.cause) == ("answered", "hotline", 16)


@pytest.mark.parametrize("path", [RECORDING, CALLER_FIRST], ids=lambda p: p.stem)
def test_the_recorded_agent_complete_counts_once_and_starts_wrap_up(path: Path) -> None:
    recorded = recorded_events(path)
    model = CallCentreModel(wrapup_seconds={"hotline": 30.0})
    events = model.apply_all(recorded)
    states = [e.state for e in events if isinstance(e, AgentStateChanged) and e.agent == AGENT]
    assert states == [
        AgentStatus.READY,
        AgentStatus.RINGING,
        AgentStatus.ON_CALL,
        AgentStatus.WRAP_UP,
    ]
    assert model.snapshot(recorded[-1][1]).queues[0].completed == 1


def test_asterisk_really_sends_agent_complete_without_the_callers_channel() -> None:
    complete = next(f for f, _ in recorded_events(CALLER_FIRST) if f["Event"] == "AgentComplete")
    assert not [key for key in ("Channel", "Uniqueid", "Linkedid") if key in complete]


def test_the_did_is_not_taken_from_a_context_that_is_not_inbound() -> None:
    events = CallCentreModel(inbound_contexts=("inbound",)).apply_all(recorded_events())
    assert {e.did for e in story(events) if not isinstance(e, CallAnswered)} == {""}  # type: ignore[attr-defined]


def test_the_first_number_dialled_into_an_inbound_context_is_the_did() -> None:
    model = CallCentreModel(inbound_contexts=("inbound", "from-pstn"))
    channel = {"Channel": "Local/s@caller-1;1", "Uniqueid": "c.1", "Linkedid": "c.1"}
    model.apply(frame({"Event": "Newchannel", **channel, "Context": "caller", "Exten": "s"}), 1.0)
    model.apply(frame({"Event": "Newexten", **channel, "Context": "inbound", "Exten": "s"}), 2.0)
    model.apply(
        frame({"Event": "Newexten", **channel, "Context": "from-pstn", "Exten": "95511"}), 3.0
    )
    model.apply(
        frame({"Event": "Newexten", **channel, "Context": "inbound", "Exten": "95599"}), 4.0
    )
    join = {"Event": "QueueCallerJoin", **channel, "Queue": "q", "Context": "ivr", "Exten": "1"}
    queued = [e for e in model.apply(frame(join), 5.0) if isinstance(e, CallerQueued)]
    assert [e.did for e in queued] == ["95511"]


def test_queue_caller_join_in_an_inbound_context_carries_the_did() -> None:
    model = CallCentreModel()
    join = {
        "Event": "QueueCallerJoin",
        "Channel": "Local/s@test-caller-00000000;1",
        "Uniqueid": "c.1",
        "Linkedid": "c.1",
        "Queue": "hotline",
        "Context": "from-trunk",
        "Exten": DID,
    }
    queued = [e for e in model.apply(frame(join), 1.0) if isinstance(e, CallerQueued)]
    assert [e.did for e in queued] == [DID]


@pytest.mark.parametrize(
    "dropped",
    [CALLER_FIELDS, tuple(f for f in CALLER_FIELDS if f != "Uniqueid")],
    ids=["no-caller-fields", "only-a-uniqueid"],
)
def test_an_agent_complete_without_the_callers_channel_ends_the_agents_call(
    dropped: tuple[str, ...],
) -> None:
    model = CallCentreModel(wrapup_seconds={"hotline": 30.0})
    events = model.apply_all(bare_agent_complete(recorded_events(), dropped))

    assert ended(events).talk_time == 42.0
    states = [e.state for e in events if isinstance(e, AgentStateChanged) and e.agent == AGENT]
    assert states[-2:] == [AgentStatus.ON_CALL, AgentStatus.WRAP_UP]
    at = recorded_events()[-1][1]
    assert model.snapshot(at).queues[0].completed == 1
    view = model.agent(AGENT, at)
    assert view is not None and view.state is AgentStatus.WRAP_UP


def test_a_repeated_bare_agent_complete_counts_once() -> None:
    model = CallCentreModel(wrapup_seconds={"hotline": 30.0})
    events = bare_agent_complete(recorded_events(), CALLER_FIELDS)
    complete = next(e for e in events if e[0]["Event"] == "AgentComplete")
    model.apply_all(events)
    assert model.apply(*complete) == []
    assert model.snapshot(complete[1]).queues[0].completed == 1


def bare_agent_complete(
    events: list[tuple[AmiMessage, float]], dropped: tuple[str, ...]
) -> list[tuple[AmiMessage, float]]:
    """The recording as when the caller hangs up first and AgentComplete lacks ``dropped``.

    The caller's hangups and then AgentComplete (TalkTime 42) come before the agent's.
    """
    complete = next((f, at) for f, at in events if f["Event"] == "AgentComplete")
    kept = [(k, v) for k, v in complete[0].headers if k not in dropped and k != "TalkTime"]
    bare = AmiMessage((*kept, ("TalkTime", "42")))
    caller_hangups = [e for e in events if _is_hangup(e[0], "test-caller")]
    out = [e for e in events if e is not complete and e not in caller_hangups]
    first = next(i for i, (f, _) in enumerate(out) if _is_hangup(f, "test-phones"))
    out[first:first] = [*caller_hangups, (bare, complete[1])]
    return out


def _is_hangup(fields: AmiMessage, context: str) -> bool:
    return fields["Event"] == "Hangup" and context in fields.get("Channel", "")
