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


def test_the_wrap_up_is_the_connecting_campaign_s_and_a_disposition_ends_it_early() -> None:
    seats = Seats()  # no default wrap-up: the campaign that connects the callee sets it
    seats.expect_agent("agent1", PHONE, "agent-leg")
    seats.feed(frame(Event="ConfbridgeJoin", Conference=ROOM, Uniqueid="agent-leg"), 100.0)
    seats.by_login["agent1"].wrap_up_seconds = 30.0  # what Handover.connect records
    seats.feed(frame(Event="ConfbridgeJoin", Conference=ROOM, Uniqueid="callee"), 110.0)
    assert not seats.end_wrapup(PHONE, 115.0)  # talking: no wrap-up to end
    seats.feed(frame(Event="ConfbridgeLeave", Conference=ROOM, Uniqueid="callee"), 200.0)
    assert seats.ready(210.0) == []  # 30 s of wrap-up, until 230

    assert seats.end_wrapup(PHONE, 212.0)  # the agent sent the disposition
    assert [seat.login for seat in seats.ready(212.0)] == ["agent1"]
    (ready,) = seats.as_agents({PHONE}, 212.0)
    assert ready.state is AgentStatus.READY
    assert not seats.end_wrapup(PHONE, 213.0)  # nothing left to end
    assert not seats.end_wrapup("Local/6002@test-phones/n", 213.0)  # not seated
