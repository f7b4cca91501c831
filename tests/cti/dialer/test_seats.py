"""The agents' rooms as the dialer follows them from ConfbridgeJoin/Leave events."""

from __future__ import annotations

from cti.ami.framing import parse_stream
from cti.ami.message import AmiMessage
from cti.dialer.seats import Seats
from cti.model.views import AgentStatus

PHONE = "Local/6001@test-phones/n"
ROOM = "agent-agent1"


def frame(**headers: str) -> AmiMessage:
    text = "".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n"
    (message,) = parse_stream([text.encode()])
    return message


def test_a_seated_agent_is_ready_talks_while_a_callee_is_in_and_then_wraps_up() -> None:
    seats = Seats(wrap_up_seconds=15)
    seats.expect_agent("agent1", PHONE, "agent-leg")
    assert seats.feed(frame(Event="ConfbridgeJoin", Conference=ROOM, Uniqueid="agent-leg",
                            Channel="Local/6001@test-phones-00000001;1"), 100.0)  # fmt: skip
    assert [seat.login for seat in seats.ready(100.0)] == ["agent1"]

    seats.feed(frame(Event="ConfbridgeJoin", Conference=ROOM, Uniqueid="callee"), 110.0)
    assert seats.ready(110.0) == []
    (talking,) = seats.as_agents({PHONE}, 130.0)
    assert (talking.state, talking.time_in_state) == (AgentStatus.ON_CALL, 20.0)

    seats.feed(frame(Event="ConfbridgeLeave", Conference=ROOM, Uniqueid="callee"), 200.0)
    (wrapping,) = seats.as_agents({PHONE}, 205.0)
    assert (wrapping.state, wrapping.wrapup_until) == (AgentStatus.WRAP_UP, 215.0)
    assert seats.ready(210.0) == []
    assert [seat.login for seat in seats.ready(215.0)] == ["agent1"]

    seats.feed(frame(Event="ConfbridgeLeave", Conference=ROOM, Uniqueid="agent-leg"), 300.0)
    assert seats.ready(300.0) == []
    assert seats.as_agents({PHONE}, 300.0) == []


def test_other_rooms_and_events_change_nothing_and_a_paused_agent_is_not_counted() -> None:
    seats = Seats()
    seats.expect_agent("agent1", PHONE, "agent-leg")
    assert not seats.feed(frame(Event="ConfbridgeJoin", Conference="9001", Uniqueid="x"), 1.0)
    assert not seats.feed(frame(Event="Newchannel", Uniqueid="agent-leg"), 1.0)
    seats.feed(frame(Event="ConfbridgeJoin", Conference=ROOM, Uniqueid="agent-leg"), 2.0)
    assert seats.as_agents(set(), 3.0) == []  # not an unpaused member of the queue
    assert seats.of_interface(PHONE) is seats.by_login["agent1"]
