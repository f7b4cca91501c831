"""The attempt tracker joins the AMI stream to the dialer's attempts by their ChannelId.

Frames go through the production parser, in the orders Asterisk 22 sends them over PJSIP
(see the dialer facts: OriginateResponse and Hangup arrive in either order).
"""

from __future__ import annotations

from cti.ami.framing import parse_stream
from cti.ami.message import AmiMessage
from cti.bus.dialplan import DIALER_USER_EVENT, STEP_AMD
from cti.dialer.tracker import AmdVerdict, Answered, AttemptTracker, Bridged, Ended

ATTEMPT = "4f7d1c2b9a8e4d6f8a1b2c3d4e5f6a7b"


def frame(**headers: str) -> AmiMessage:
    text = "".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n"
    (message,) = parse_stream([text.encode()])
    return message


def test_a_busy_callee_ends_with_the_hangup_cause_whichever_event_comes_first() -> None:
    for order in ("response-first", "hangup-first"):
        tracker = AttemptTracker()
        tracker.expect(ATTEMPT, at=0.0)
        newchannel = frame(Event="Newchannel", Uniqueid=ATTEMPT, Channel="PJSIP/carrier-1")
        response = frame(
            Event="OriginateResponse", Response="Failure", Uniqueid=ATTEMPT, Reason="0"
        )
        hangup = frame(Event="Hangup", Uniqueid=ATTEMPT, Cause="17", **{"Cause-txt": "User busy"})
        assert tracker.feed(newchannel, 0.1) == []
        frames = [response, hangup] if order == "response-first" else [hangup, response]
        outcomes = [outcome for message in frames for outcome in tracker.feed(message, 0.2)]
        assert outcomes == [Ended(ATTEMPT, 17, answered=False, bridged=False, at=0.2)], order
        assert tracker.in_flight == 0
        assert tracker.expired(now=100.0) == []


def test_answer_verdict_and_bridge_are_reported_once_each_then_the_end() -> None:
    tracker = AttemptTracker()
    tracker.expect(ATTEMPT, at=0.0, detects_machines=True, via_queue=False)
    up = frame(Event="Newstate", Uniqueid=ATTEMPT, ChannelStateDesc="Up")
    verdict = frame(
        Event="UserEvent",
        UserEvent=DIALER_USER_EVENT,
        Uniqueid=ATTEMPT,
        Step=STEP_AMD,
        Status="HUMAN",
        Cause="HUMAN-1-1",
    )
    bridge = frame(Event="BridgeEnter", Uniqueid=ATTEMPT, BridgeUniqueid="b1")
    assert tracker.feed(up, 1.0) == [Answered(ATTEMPT, 1.0)]
    assert tracker.feed(up, 1.1) == []
    assert tracker.answered_waiting() == []  # the verdict is not in yet: could be a machine
    assert tracker.ringing == 0
    assert tracker.feed(verdict, 3.0) == [AmdVerdict(ATTEMPT, "HUMAN", "HUMAN-1-1", 3.0)]
    assert tracker.answered_waiting() == [ATTEMPT]
    assert tracker.feed(bridge, 3.4) == [Bridged(ATTEMPT, 3.4)]
    assert tracker.feed(bridge, 3.5) == []
    assert tracker.answered_waiting() == []
    hangup = frame(Event="Hangup", Uniqueid=ATTEMPT, Cause="16")
    assert tracker.feed(hangup, 90.0) == [Ended(ATTEMPT, 16, answered=True, bridged=True, at=90.0)]


def test_an_originate_that_never_made_a_channel_ends_without_a_cause_after_the_grace() -> None:
    tracker = AttemptTracker(failure_grace=2.0)
    tracker.expect(ATTEMPT, at=0.0)
    failed = frame(Event="OriginateResponse", Response="Failure", Uniqueid=ATTEMPT, Reason="0")
    assert tracker.feed(failed, 1.0) == []
    assert tracker.expired(now=2.5) == []
    assert tracker.in_flight == 1
    assert tracker.expired(now=3.0) == [Ended(ATTEMPT, None, answered=False, bridged=False, at=3.0)]
    assert tracker.in_flight == 0


def test_other_channels_and_other_user_events_are_ignored() -> None:
    tracker = AttemptTracker()
    tracker.expect(ATTEMPT, at=0.0)
    assert tracker.feed(frame(Event="Hangup", Uniqueid="1700000000.42", Cause="16"), 1.0) == []
    other = frame(Event="UserEvent", UserEvent="Something", Uniqueid=ATTEMPT, Status="MACHINE")
    assert tracker.feed(other, 1.0) == []
    unknown = frame(
        Event="UserEvent",
        UserEvent=DIALER_USER_EVENT,
        Uniqueid="nope",
        Step=STEP_AMD,
        Status="MACHINE",
    )
    assert tracker.feed(unknown, 1.0) == []
    assert tracker.in_flight == 1
    assert tracker.ringing == 1


def test_without_amd_an_answered_call_is_offered_at_once() -> None:
    tracker = AttemptTracker()
    tracker.expect(ATTEMPT, at=0.0)
    tracker.feed(frame(Event="Newstate", Uniqueid=ATTEMPT, ChannelStateDesc="Up"), 1.0)
    assert tracker.answered_waiting() == [ATTEMPT]


def test_a_machine_is_never_offered_to_an_agent() -> None:
    tracker = AttemptTracker()
    tracker.expect(ATTEMPT, at=0.0, detects_machines=True)
    tracker.feed(frame(Event="Newstate", Uniqueid=ATTEMPT, ChannelStateDesc="Up"), 1.0)
    tracker.feed(
        frame(
            Event="UserEvent",
            UserEvent=DIALER_USER_EVENT,
            Uniqueid=ATTEMPT,
            Step=STEP_AMD,
            Status="MACHINE",
        ),
        3.0,
    )
    assert tracker.answered_waiting() == []


def test_a_call_handed_to_a_queue_is_connected_at_agent_connect_with_the_agent() -> None:
    tracker = AttemptTracker()
    tracker.expect(ATTEMPT, at=0.0)
    tracker.feed(frame(Event="Newstate", Uniqueid=ATTEMPT, ChannelStateDesc="Up"), 1.0)
    assert tracker.feed(frame(Event="BridgeEnter", Uniqueid=ATTEMPT), 1.5) == []
    connect = frame(Event="AgentConnect", Uniqueid=ATTEMPT, Interface="Local/6001@test-phones/n")
    assert tracker.feed(connect, 1.5) == [Bridged(ATTEMPT, 1.5, "Local/6001@test-phones/n")]
