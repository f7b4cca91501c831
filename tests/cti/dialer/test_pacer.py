"""The predictive pacer's formula and guards (``cti.dialer.pacer``, pure functions)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cti.dialer.pacer import (
    AIM,
    MAX_AGGRESSIVENESS,
    MIN_AGENTS,
    MIN_AGGRESSIVENESS,
    MIN_SAMPLES,
    STEP,
    Mode,
    PacerState,
    adjust_aggressiveness,
    calls_to_place,
    decide,
    expected_answers,
    expected_free_agents,
    progressive_calls,
    talk_finish_probability,
)
from tests.support.paths import ROOT

# Measured distributions shaped like the simulation's: answers after U(4, 16) s,
# unanswered dials ending at 15 s, talks of 1..600 s.
ANSWER_DELAYS = tuple(4.0 + 12.0 * k / 99 for k in range(100))
UNANSWERED = (15.0,) * 100
TALKS = tuple(float(k) for k in range(1, 601))


def state(**changes: Any) -> PacerState:
    """A 20-agent predictive campaign well inside its guards, with ``changes`` applied."""
    base = PacerState(
        ready_agents=2,
        wrapping_up=(3.0, 8.0, 12.0),
        talking=(30.0,) * 15,
        ringing=(),
        waiting=0,
        answer_rate=0.3,
        answer_samples=1_000,
        answer_delays=ANSWER_DELAYS,
        unanswered_times=UNANSWERED,
        talk_times=TALKS,
        wrap_up_time=15.0,
        abandon_rate=0.01,
        abandon_target=0.03,
        aggressiveness=1.0,
        max_lines=60,
    )
    return dataclasses.replace(base, **changes)


def test_predictive_dials_for_the_agents_free_within_the_answer_delay_over_the_answer_rate() -> (
    None
):
    # 2 ready + 2 wrap-ups ending within the 10-s mean answer delay; talking agents cannot
    # finish talk and 15 s of wrap-up within 10 s: 4 free agents / 0.3 = 13.3 calls.
    decision = decide(state())
    assert decision.mode is Mode.PREDICTIVE
    assert decision.expected_free == pytest.approx(4.0)
    assert decision.calls == 13


def test_aggressiveness_scales_the_expected_free_agents() -> None:
    assert calls_to_place(state(aggressiveness=0.5)) == 7  # 2 free agents / 0.3 = 6.7
    assert calls_to_place(state(aggressiveness=1.5)) == 20


def test_calls_in_flight_count_as_the_answers_they_are_still_expected_to_bring() -> None:
    fresh = state(ringing=(1.0,) * 10)  # not one of them can have been answered yet
    assert expected_answers(fresh) == pytest.approx(3.0)
    assert calls_to_place(fresh) == 3  # (4 − 3) / 0.3


def test_ringing_calls_count_less_the_longer_they_ring() -> None:
    ages = (0.0, 6.0, 10.0, 14.0, 15.5, 17.0)
    chances = [expected_answers(state(ringing=(age,))) for age in ages]
    assert chances[0] == pytest.approx(0.3)
    assert chances[:4] == sorted(chances[:4], reverse=True)
    # past the no-answer timeout only answered calls were still ringing; past every
    # sample a call is not expected to bring anyone
    assert chances[4] == pytest.approx(1.0)
    assert chances[5] == 0.0


def test_talking_agents_count_by_the_conditional_talk_time_distribution() -> None:
    talks = tuple(float(k) for k in range(1, 101))
    # talked 50 s: 50 recorded talks were longer, 10 of them ended within 10 s more
    assert talk_finish_probability(50.0, 10.0, talks) == pytest.approx(10 / 50)
    assert talk_finish_probability(0.0, 10.0, talks) == pytest.approx(10 / 100)
    assert talk_finish_probability(98.0, 10.0, talks) == 0.0  # longer than nearly all
    no_wrap_up = state(wrapping_up=(), talking=(50.0, 50.0), talk_times=talks, wrap_up_time=0.0)
    assert expected_free_agents(no_wrap_up) == pytest.approx(2 + 2 * 10 / 50)


def test_a_talking_agent_is_not_free_before_the_wrap_up_after_the_talk() -> None:
    long_wrap = state(ready_agents=0, wrapping_up=(), talking=(600.0,) * 15, wrap_up_time=15.0)
    assert expected_free_agents(long_wrap) == 0.0


def test_more_ready_agents_never_mean_fewer_calls() -> None:
    for ringing in ((), (2.0,) * 5, (9.0,) * 20):
        calls = [calls_to_place(state(ready_agents=n, ringing=ringing)) for n in range(40)]
        assert calls == sorted(calls), ringing


def test_a_higher_answer_rate_never_means_more_calls() -> None:
    for ringing in ((), (5.0,) * 4):
        rates = [0.05 * k for k in range(1, 21)]
        calls = [calls_to_place(state(answer_rate=r, ringing=ringing)) for r in rates]
        assert calls == sorted(calls, reverse=True), ringing


@settings(max_examples=300, deadline=None)
@given(
    ready=st.integers(0, 40),
    extra=st.integers(0, 20),
    wrapping=st.lists(st.floats(0, 15), max_size=10),
    talking=st.lists(st.floats(0, 900), max_size=30),
    ringing=st.lists(st.floats(0, 20), max_size=60),
    waiting=st.integers(0, 5),
    rate=st.floats(0.01, 1.0),
    abandon=st.floats(0, 0.2),
    aggressiveness=st.floats(MIN_AGGRESSIVENESS, MAX_AGGRESSIVENESS),
    max_lines=st.integers(0, 120),
)
def test_the_pacer_is_monotone_never_negative_and_within_the_lines(
    ready: int,
    extra: int,
    wrapping: list[float],
    talking: list[float],
    ringing: list[float],
    waiting: int,
    rate: float,
    abandon: float,
    aggressiveness: float,
    max_lines: int,
) -> None:
    now = state(
        ready_agents=ready,
        wrapping_up=tuple(wrapping),
        talking=tuple(talking),
        ringing=tuple(ringing),
        waiting=0 if ready else waiting,
        answer_rate=rate,
        abandon_rate=abandon,
        aggressiveness=aggressiveness,
        max_lines=max_lines,
    )
    calls = calls_to_place(now)
    assert 0 <= calls <= max(0, max_lines - len(ringing))
    assert calls_to_place(dataclasses.replace(now, ready_agents=ready + extra)) >= calls
    higher = min(1.0, rate + 0.1)
    assert calls_to_place(dataclasses.replace(now, answer_rate=higher)) <= calls


def test_at_the_abandon_cap_the_pacer_dials_progressively_until_back_under() -> None:
    at_cap = decide(state(abandon_rate=0.03, ready_agents=5, ringing=(2.0,)))
    assert at_cap.mode is Mode.PROGRESSIVE_AT_CAP
    assert at_cap.calls == 5 - 1  # one per ready agent, minus the call in flight
    assert decide(state(abandon_rate=0.045)).mode is Mode.PROGRESSIVE_AT_CAP
    back_under = decide(state(abandon_rate=0.0299, ready_agents=5, ringing=(2.0,)))
    assert back_under.mode is Mode.PREDICTIVE
    assert back_under.calls > at_cap.calls


def test_fewer_than_ten_agents_dial_progressively() -> None:
    small = state(ready_agents=3, wrapping_up=(2.0,), talking=(30.0,) * (MIN_AGENTS - 5))
    assert small.agents == MIN_AGENTS - 1
    decision = decide(small)
    assert decision.mode is Mode.PROGRESSIVE_SMALL_TEAM
    assert decision.calls == 3
    assert decide(state(talking=(30.0,) * (MIN_AGENTS - 5), ready_agents=4)).mode is (
        Mode.PREDICTIVE
    )


def test_too_few_samples_dial_progressively() -> None:
    for few in (
        state(answer_samples=MIN_SAMPLES - 1),
        state(answer_rate=0.0),
        state(answer_delays=()),
    ):
        decision = decide(few)
        assert decision.mode is Mode.PROGRESSIVE_FEW_SAMPLES
        assert decision.calls == progressive_calls(few) == 2


def test_agents_pausing_lower_the_calls_at_once() -> None:
    # paused agents leave the state: the very next decision dials fewer
    before = calls_to_place(state(ready_agents=6, ringing=(3.0,) * 6))
    after = calls_to_place(state(ready_agents=2, ringing=(3.0,) * 6))
    assert after < before
    # everyone ready paused and the wrap-ups end late: no new call while these ring
    gone = state(ready_agents=0, wrapping_up=(14.0,), ringing=(3.0,) * 6)
    assert calls_to_place(gone) == 0


def test_no_call_while_the_calls_in_flight_already_cover_the_free_agents() -> None:
    covered = state(ringing=(0.5,) * 40)  # 12 answers expected for 4 free agents
    decision = decide(covered)
    assert decision.mode is Mode.PREDICTIVE
    assert decision.calls == 0


def test_nobody_ready_or_soon_free_means_no_call() -> None:
    busy = state(ready_agents=0, wrapping_up=(12.0, 14.0), talking=(30.0,) * 15)
    decision = decide(busy)
    assert decision.mode is Mode.NOBODY_SOON_FREE
    assert decision.calls == 0
    nobody = state(ready_agents=0, wrapping_up=(), talking=(), abandon_rate=0.05)
    assert calls_to_place(nobody) == 0


def test_answered_callers_waiting_take_the_free_agents_first() -> None:
    nobody_waiting = calls_to_place(state(ready_agents=0))
    assert calls_to_place(state(ready_agents=0, waiting=1)) < nobody_waiting
    assert decide(state(ready_agents=0, waiting=2)).mode is Mode.NOBODY_SOON_FREE


def test_max_lines_caps_the_calls_in_every_mode() -> None:
    assert calls_to_place(state(max_lines=5)) == 5
    assert calls_to_place(state(max_lines=5, ringing=(1.0,) * 3)) == 2
    assert calls_to_place(state(max_lines=5, ringing=(1.0,) * 7)) == 0
    capped = state(ready_agents=8, abandon_rate=0.03, max_lines=4)
    assert progressive_calls(capped) == calls_to_place(capped) == 4


def test_the_slow_loop_moves_toward_just_under_the_cap() -> None:
    aim = AIM * 0.03
    assert adjust_aggressiveness(1.0, 0.0, 0.03) == pytest.approx(1.0 + STEP)
    assert adjust_aggressiveness(1.0, aim, 0.03) == pytest.approx(1.0)
    assert adjust_aggressiveness(1.0, aim / 2, 0.03) == pytest.approx(1.0 + STEP / 2)
    assert adjust_aggressiveness(1.0, 0.03, 0.03) < 1.0
    assert adjust_aggressiveness(1.0, 0.2, 0.03) == pytest.approx(1.0 - STEP)
    assert adjust_aggressiveness(MAX_AGGRESSIVENESS, 0.0, 0.03) == MAX_AGGRESSIVENESS
    assert adjust_aggressiveness(MIN_AGGRESSIVENESS, 0.5, 0.03) == MIN_AGGRESSIVENESS


def test_bad_input_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="ready_agents"):
        state(ready_agents=-1)
    with pytest.raises(ValueError, match="answer_rate"):
        state(answer_rate=1.5)
    with pytest.raises(ValueError, match="ringing"):
        state(ringing=(-2.0,))
    with pytest.raises(ValueError, match="abandon_target"):
        state(abandon_target=0.0)
    with pytest.raises(ValueError, match="target"):
        adjust_aggressiveness(1.0, 0.01, 0.0)
    with pytest.raises(ValueError, match="abandon_rate"):
        adjust_aggressiveness(1.0, -0.1, 0.03)


def test_the_pacer_imports_only_the_standard_library() -> None:
    probe = (
        "import sys; before = set(sys.modules); import cti.dialer.pacer;"
        "ours = {'cti', 'cti.dialer', 'cti.dialer.pacer'};"
        "bad = sorted(m for m in set(sys.modules) - before if m not in ours"
        " and m.split('.')[0] not in sys.stdlib_module_names);"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
