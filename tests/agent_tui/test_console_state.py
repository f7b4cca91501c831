"""The console's pure state: which soft-phone keys are live, and the wall-board's counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_tui.board_state import BoardState, wait_bucket
from agent_tui.desk_state import DeskState
from cti.protocol import AgentState, CallUpdate, LoggedCall, QueueUpdate, ScreenPop
from tests.support.wire import member_summary

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MEMBER = member_summary()


def desk_with(*messages: object) -> DeskState:
    state = DeskState(login="agent1", my_queues=("hotline",))
    for message in messages:
        state.apply(message)  # type: ignore[arg-type]
    return state


def test_without_a_call_only_signing_in_and_lookups_are_live() -> None:
    state = desk_with()
    assert state.allowed("sign_in") and state.allowed("dial")
    for action in ("hold", "retrieve", "transfer", "hang_up", "dtmf", "wrap_up", "on_record"):
        assert not state.allowed(action), action


@pytest.mark.parametrize(
    ("call_state", "live", "dead"),
    [
        ("ringing", {"hang_up", "on_record"}, {"hold", "transfer", "dtmf", "wrap_up"}),
        ("answered", {"hold", "transfer", "conference", "dtmf", "hang_up"}, {"retrieve", "dial"}),
        ("held", {"retrieve", "transfer", "hang_up"}, {"hold", "wrap_up"}),
        ("ended", {"wrap_up", "dial", "on_record"}, {"hold", "hang_up", "transfer"}),
    ],
)
def test_keys_follow_the_calls_state(call_state: str, live: set[str], dead: set[str]) -> None:
    pop = ScreenPop("c1", "138", "400", None, "hotline", MEMBER)
    updates = [CallUpdate("c1", state, "138", "2026-03-02T09:29:00Z", "hotline", "agent1")
               for state in ("answered", call_state) if call_state != "ringing"]  # fmt: skip
    state = desk_with(pop, *updates)
    assert {action for action in live | dead if state.allowed(action)} == live


def test_a_second_pop_keeps_the_first_call_and_closing_it_returns_to_the_other() -> None:
    state = desk_with(
        ScreenPop("c1", "138", None, None, "hotline", MEMBER),
        ScreenPop("c2", "139", None, None, "hotline", None),
    )
    assert state.current == "c2" and list(state.calls) == ["c1", "c2"]
    assert state.allowed("new_member") and state.allowed("next_call")
    state.cycle()
    assert state.call is not None and state.call.member_name == "李娜"
    state.close("c1")
    assert state.current == "c2"


def test_waiting_counts_only_the_agents_own_queues_and_other_agents_are_ignored() -> None:
    state = desk_with(
        QueueUpdate("hotline", 3, 40, 0, 1, 0, 20),
        QueueUpdate("vip", 5, 10, 0, 1, 0, 10),
        AgentState("agent2", "paused", "2026-03-02T09:00:00Z", "lunch"),
        AgentState("agent1", "ready", "2026-03-02T09:10:00Z"),
    )
    assert state.waiting == 3
    assert state.agent_state == "ready" and state.allowed("pause")


def test_the_board_counts_a_call_once_from_the_log_and_from_pushes() -> None:
    board = BoardState(day_start=NOW.replace(hour=0, minute=0))
    record = LoggedCall(
        linked_id="c1", caller="138", queue="hotline", agent_login="agent1",
        member_number="I-00000001", started_at="2026-03-02T09:00:00Z",
        answered_at="2026-03-02T09:00:12Z", wait_seconds=12, abandoned=False,
    )  # fmt: skip
    board.load_records([record])
    board.apply(CallUpdate("c1", "answered", "138", "2026-03-02T09:00:00Z", "hotline", "agent1"),
                NOW)  # fmt: skip
    board.apply(CallUpdate("c2", "abandoned", "139", "2026-03-02T09:29:00Z", "hotline"), NOW)
    board.load_records([record])
    figures = board.today["hotline"]
    assert (figures.answered, figures.abandoned) == (1, 1)
    assert figures.service_level(20) == 0.5 and figures.service_level(10) == 0.0
    assert board.taken["agent1"] == 1
    assert [a.number for a in board.abandoned] == ["139"]
    assert "c2" not in board.calls
    assert board.wait_series()[wait_bucket(12)] == 1 and board.wait_series()[wait_bucket(60)] == 1
