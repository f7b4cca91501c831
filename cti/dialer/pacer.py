"""The predictive pacer: how many calls to dial now, as pure functions of the state.

The live dialer and ``bench/dialer_sim.py`` call exactly these functions; they use the
standard library only, hold no state and do no I/O. ``docs/dialer.md`` ("Pacing")
explains the formula and the guards.

- :func:`calls_to_place` is the fast loop: run it on every agent or call event (an agent
  pausing or signing out leaves the state at once, so no new call goes out until the calls
  in flight fit the agents left).
- :func:`adjust_aggressiveness` is the slow loop: run it every :data:`ADJUST_EVERY`
  seconds with the abandon rate over the last :data:`ADJUST_WINDOW` calls a person
  answered; it moves the aggressiveness toward the level that keeps the rate just under
  the campaign's cap. The guard at the cap reads the regulated rolling rate instead.
- :func:`progressive_calls` is what a progressive campaign dials, and what a predictive
  one falls back to behind a guard.

Nothing here ever proposes hanging up a call: over-dialling is corrected by dialling
less, never by dropping a ringing line.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum

MIN_AGENTS = 10
"""Fewer agents than this (signed in, not paused) dial progressively: a small team cannot
hold 3 % with whole calls."""
MIN_SAMPLES = 100
"""Fewer ended dials than this behind the answer rate dial progressively."""
MIN_TALK_SAMPLES = 30
"""Fewer completed talks than this: talking agents are not counted as soon free."""
MIN_TAIL_SAMPLES = 5
"""Fewer recorded talks longer than an agent's call so far: that agent is not counted."""
ROUND_UP_FROM = 0.5
"""The fraction of a call at which the fast loop dials it (it runs again on the next event)."""

AIM = 0.75
"""The slow loop aims at this share of the campaign's abandon target (just under the cap)."""
STEP = 0.005
"""Aggressiveness moved per adjustment when the rate is an aim or more away from the aim;
less in proportion when nearer. Small on purpose: the rate it reads lags by half its
window, and a faster loop swings (a swinging aggressiveness costs occupancy and
abandons both)."""
ADJUST_EVERY = 60.0
"""Seconds between two runs of the slow loop."""
ADJUST_WINDOW = 400
"""The slow loop reads the abandon rate over the last this many calls a person answered."""
MIN_AGGRESSIVENESS = 0.3
"""The slow loop never goes below this (the progressive floor still applies)."""
MAX_AGGRESSIVENESS = 1.5
"""The slow loop never goes above this."""
START_AGGRESSIVENESS = 0.5
"""Where a new campaign's aggressiveness starts: low, the slow loop raises it."""


class Mode(Enum):
    """How the fast loop chose its number of calls."""

    PREDICTIVE = "predictive"
    PROGRESSIVE_AT_CAP = "progressive: rolling abandon rate at the cap"
    PROGRESSIVE_SMALL_TEAM = "progressive: fewer agents than MIN_AGENTS"
    PROGRESSIVE_FEW_SAMPLES = "progressive: too few dials behind the answer rate"
    NOBODY_SOON_FREE = "no agent ready or soon free"


_SECONDS_FIELDS = (
    "wrapping_up", "talking", "ringing", "answer_delays", "unanswered_times", "talk_times"
)  # fmt: skip


@dataclass(frozen=True)
class PacerState:
    """What the fast loop knows at one instant; the caller measures, the pacer decides.

    Agents who are paused or signed out appear nowhere in it.
    """

    ready_agents: int
    """Agents signed in, not paused, idle now."""
    wrapping_up: tuple[float, ...]
    """Seconds of wrap-up left, one per agent in wrap-up."""
    talking: tuple[float, ...]
    """Seconds each talking agent has talked so far on the current call."""
    ringing: tuple[float, ...]
    """Seconds each call in flight (originated, not yet answered or ended) has rung."""
    waiting: int
    """Calls a person answered that wait for an agent now (inside the 2-s deadline): they
    take the next agents to come free."""
    answer_rate: float
    """Measured share of ended dials a person answered, 0..1 (machines do not count)."""
    answer_samples: int
    """How many ended dials :attr:`answer_rate` is measured over."""
    answer_delays: tuple[float, ...]
    """Recent seconds from a dial to a person answering it; their mean is the horizon."""
    unanswered_times: tuple[float, ...]
    """Recent seconds from a dial to its end, for dials no person answered."""
    talk_times: tuple[float, ...]
    """Recent completed talk durations in seconds (the talk-time distribution)."""
    wrap_up_time: float
    """Seconds an agent spends in wrap-up after a call (measured mean or the setting): a
    talking agent is free only once the talk **and** this wrap-up are over."""
    abandon_rate: float
    """Rolling abandon rate: abandoned over answered by a person (``rates.abandon_rate``)."""
    abandon_target: float
    """The campaign's cap on that rate, 0..0.03."""
    aggressiveness: float
    """Scale on the expected free agents, moved by :func:`adjust_aggressiveness`."""
    max_lines: int
    """Lines this campaign may have ringing at once (per-agent and trunk caps applied)."""

    def __post_init__(self) -> None:
        _require(self.ready_agents >= 0, "ready_agents", "cannot be negative")
        _require(self.waiting >= 0, "waiting", "cannot be negative")
        _require(self.answer_samples >= 0, "answer_samples", "cannot be negative")
        _require(self.max_lines >= 0, "max_lines", "cannot be negative")
        _require(0.0 <= self.answer_rate <= 1.0, "answer_rate", "must be within 0..1")
        _require(0.0 <= self.abandon_rate <= 1.0, "abandon_rate", "must be within 0..1")
        _require(0.0 < self.abandon_target <= 1.0, "abandon_target", "must be within (0, 1]")
        _require(self.wrap_up_time >= 0.0, "wrap_up_time", "cannot be negative")
        _require(self.aggressiveness > 0.0, "aggressiveness", "must be positive")
        for name in _SECONDS_FIELDS:
            _require(min(getattr(self, name), default=0.0) >= 0.0, name, "negative seconds")

    @property
    def in_flight(self) -> int:
        """Calls originated and not yet answered or ended."""
        return len(self.ringing)

    @property
    def answer_delay(self) -> float:
        """Mean seconds from a dial to a person answering: the pacer's horizon (0 if none)."""
        if not self.answer_delays:
            return 0.0
        return sum(self.answer_delays) / len(self.answer_delays)

    @property
    def agents(self) -> int:
        """Agents signed in and not paused: ready, wrapping up or talking."""
        return self.ready_agents + len(self.wrapping_up) + len(self.talking)


@dataclass(frozen=True)
class Decision:
    """The fast loop's answer: how many calls to dial now, and why."""

    calls: int
    mode: Mode
    expected_free: float
    """Expected free agents over the horizon (0.0 when a guard decided without it)."""


def _require(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"PacerState.{field}: {problem}")


def progressive_calls(state: PacerState) -> int:
    """One call per ready agent, minus the calls already ringing; within ``max_lines``."""
    wanted = state.ready_agents - state.in_flight
    return max(0, min(wanted, state.max_lines - state.in_flight))


def talk_finish_probability(talked: float, within: float, sorted_talks: tuple[float, ...]) -> float:
    """P(talk ends within ``within`` more seconds | it lasted ``talked`` so far).

    Read off the measured distribution ``sorted_talks`` (ascending). An agent whose call
    is already longer than nearly every recorded talk is not counted: the data say
    nothing about when such a call ends.
    """
    if within <= 0.0:
        return 0.0
    longer = len(sorted_talks) - bisect_right(sorted_talks, talked)
    if longer < MIN_TAIL_SAMPLES:
        return 0.0
    still_longer = len(sorted_talks) - bisect_right(sorted_talks, talked + within)
    return (longer - still_longer) / longer


def expected_answers(state: PacerState) -> float:
    """Calls ringing now that a person is still expected to answer.

    A call that has rung ``a`` seconds is answered later with probability
    ``r·S_answered(a) / (r·S_answered(a) + (1 − r)·S_unanswered(a))``: ``r`` the answer
    rate, ``S`` the measured shares of answered and of unanswered dials still ringing at
    ``a`` (1 while there are no samples). A call that has rung longer than every sample
    counts zero.
    """
    if not state.ringing:
        return 0.0
    answered = sorted(state.answer_delays)
    unanswered = sorted(state.unanswered_times)
    # r·S(a) = r·(n − bisect(a))/n: the weights below fold r/n in once.
    answered_weight = state.answer_rate / len(answered) if answered else 0.0
    unanswered_weight = (1.0 - state.answer_rate) / len(unanswered) if unanswered else 0.0
    expected = 0.0
    for age in state.ringing:
        will = (
            answered_weight * (len(answered) - bisect_right(answered, age))
            if answered
            else state.answer_rate
        )
        if will <= 0.0:
            continue
        wont = (
            unanswered_weight * (len(unanswered) - bisect_right(unanswered, age))
            if unanswered
            else 1.0 - state.answer_rate
        )
        expected += will / (will + wont)
    return expected


def expected_free_agents(state: PacerState) -> float:
    """Agents expected to be free within the answer delay.

    Ready agents count one each, agents whose wrap-up ends within the delay one each, and
    a talking agent the probability that the talk ends early enough to finish wrap-up
    within the delay, given how long the call has lasted.
    """
    horizon = state.answer_delay
    free = float(state.ready_agents)
    free += sum(1 for left in state.wrapping_up if left <= horizon)
    talk_horizon = horizon - state.wrap_up_time
    if talk_horizon > 0.0 and len(state.talk_times) >= MIN_TALK_SAMPLES:
        talks = tuple(sorted(state.talk_times))
        free += sum(talk_finish_probability(t, talk_horizon, talks) for t in state.talking)
    return free


def decide(state: PacerState) -> Decision:
    """The guards, then the predictive formula (see the module and ``docs/dialer.md``)."""
    if state.abandon_rate >= state.abandon_target:
        return Decision(progressive_calls(state), Mode.PROGRESSIVE_AT_CAP, 0.0)
    if state.agents < MIN_AGENTS:
        return Decision(progressive_calls(state), Mode.PROGRESSIVE_SMALL_TEAM, 0.0)
    if state.answer_samples < MIN_SAMPLES or state.answer_rate <= 0.0 or not state.answer_delays:
        return Decision(progressive_calls(state), Mode.PROGRESSIVE_FEW_SAMPLES, 0.0)
    free = expected_free_agents(state) - state.waiting
    if free <= 0.0:
        return Decision(0, Mode.NOBODY_SOON_FREE, 0.0)
    rate = state.answer_rate
    shortfall = (state.aggressiveness * free - expected_answers(state)) / rate
    wanted = math.floor(shortfall + (1.0 - ROUND_UP_FROM)) if shortfall > 0.0 else 0
    lines_left = state.max_lines - state.in_flight
    calls = max(0, min(max(wanted, progressive_calls(state)), lines_left))
    return Decision(calls, Mode.PREDICTIVE, free)


def calls_to_place(state: PacerState) -> int:
    """How many calls to dial now; never negative, never more than the free lines."""
    return decide(state).calls


def adjust_aggressiveness(current: float, abandon_rate: float, target: float) -> float:
    """The slow loop: one step of ``current`` toward ``AIM × target`` abandons.

    ``abandon_rate`` is the rate over the last :data:`ADJUST_WINDOW` calls a person
    answered. Below the aim it dials more, above it less, by :data:`STEP` times the
    distance in aims (at most one), within ``MIN_AGGRESSIVENESS..MAX_AGGRESSIVENESS``.
    """
    if not 0.0 < target <= 1.0:
        raise ValueError("adjust_aggressiveness target: must be within (0, 1]")
    if not 0.0 <= abandon_rate <= 1.0:
        raise ValueError("adjust_aggressiveness abandon_rate: must be within 0..1")
    aim = AIM * target
    distance = max(-1.0, min(1.0, (aim - abandon_rate) / aim))
    return max(MIN_AGGRESSIVENESS, min(MAX_AGGRESSIVENESS, current + STEP * distance))
