"""What the live dialer feeds the pacer: its measured figures and the agents' states."""

from __future__ import annotations

from cti.dialer.pacer import MIN_AGENTS, Mode, decide
from cti.dialer.pacing import Measures, pacer_state
from cti.model.views import AgentStatus, AgentView

NOW = 1_000.0


def agent(
    number: int, state: AgentStatus, since: float, wrapup_until: float | None = None
) -> AgentView:
    return AgentView(
        interface=f"Local/6{number:03d}@test-phones/n", name=f"Agent {number}", state=state,
        reason="", since=since, time_in_state=NOW - since, call_id=None, queues=("sales",),
        wrapup_until=wrapup_until,
    )  # fmt: skip


def test_a_dial_teaches_the_answer_rate_delays_talk_times_and_abandons() -> None:
    measures = Measures()
    measures.dial_ended(dialled_at=0, answered_at=8, bridged_at=8.5, ended_at=200, machine=False)
    measures.dial_ended(dialled_at=0, answered_at=6, bridged_at=None, ended_at=12, machine=False)
    measures.dial_ended(dialled_at=0, answered_at=5, bridged_at=None, ended_at=30, machine=True)
    measures.dial_ended(dialled_at=0, answered_at=None, bridged_at=None, ended_at=15, machine=False)
    assert measures.answer_rate == 0.5  # the machine is not a person
    assert list(measures.answer_delays) == [8, 6]
    assert list(measures.unanswered_times) == [30, 15]
    assert list(measures.talk_times) == [191.5]
    assert measures.recent_abandon_rate == 0.5  # one of the two people was not connected


def test_the_state_counts_agents_by_what_they_do_and_leaves_out_the_paused() -> None:
    agents = [
        agent(1, AgentStatus.READY, since=900),
        agent(2, AgentStatus.READY, since=950),
        agent(3, AgentStatus.WRAP_UP, since=990, wrapup_until=1_004),
        agent(4, AgentStatus.ON_CALL, since=880),
        agent(5, AgentStatus.PAUSED, since=100),
        agent(6, AgentStatus.SIGNED_OUT, since=100),
    ]
    state = pacer_state(
        Measures(), agents=agents, reserved=1, ringing=[3.0, 9.0], waiting=1, now=NOW,
        wrap_up_time=15, abandon_rate=0.01, abandon_target=0.03, max_lines=30,
    )  # fmt: skip
    assert state.ready_agents == 1  # one of the two ready agents is promised to a call
    assert state.wrapping_up == (4.0,)
    assert state.talking == (120.0,)
    assert state.ringing == (3.0, 9.0)
    assert state.agents == 3


def test_a_team_under_the_minimum_is_paced_progressively() -> None:
    team = [agent(n, AgentStatus.READY, since=900) for n in range(MIN_AGENTS - 1)]
    state = pacer_state(
        Measures(), agents=team, reserved=0, ringing=[], waiting=0, now=NOW,
        wrap_up_time=15, abandon_rate=0.0, abandon_target=0.03, max_lines=30,
    )  # fmt: skip
    decision = decide(state)
    assert (decision.mode, decision.calls) == (Mode.PROGRESSIVE_SMALL_TEAM, MIN_AGENTS - 1)
