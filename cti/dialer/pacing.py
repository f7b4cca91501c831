"""What the predictive pacer is fed: this runner's own measurements and the agents' states.

The pacer (:mod:`cti.dialer.pacer`) is a pure function; this module keeps the recent
figures it needs (answer delays, unanswered ring times, talk times, the answer rate, the
recent abandons for the slow loop) and builds its :class:`~cti.dialer.pacer.PacerState`
from them, from the model's view of the campaign queue's agents and from the calls in
flight.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from cti.dialer.pacer import (
    ADJUST_EVERY,
    ADJUST_WINDOW,
    START_AGGRESSIVENESS,
    PacerState,
    adjust_aggressiveness,
)
from cti.model.views import AgentStatus, AgentView

RECENT_DIALS = 2000
"""How many recent ended dials the answer rate is measured over."""
RECENT = 300
"""How many recent samples each measured distribution keeps (delays, ring and talk times)."""


@dataclass
class Measures:
    """Recent figures of one campaign's dials, as its runner saw them end."""

    answer_delays: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    unanswered_times: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    talk_times: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    person_answered: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT_DIALS))
    abandons: deque[bool] = field(default_factory=lambda: deque(maxlen=ADJUST_WINDOW))
    aggressiveness: float = START_AGGRESSIVENESS
    adjusted_at: float = 0.0

    def dial_ended(
        self,
        *,
        dialled_at: float,
        answered_at: float | None,
        bridged_at: float | None,
        ended_at: float,
        machine: bool,
    ) -> None:
        """Learn from one dial that ended (a machine counts as not answered by a person)."""
        person = answered_at is not None and not machine
        self.person_answered.append(person)
        if person and answered_at is not None:
            self.answer_delays.append(max(0.0, answered_at - dialled_at))
            self.abandons.append(bridged_at is None)
        else:
            self.unanswered_times.append(max(0.0, ended_at - dialled_at))
        if bridged_at is not None:
            self.talk_times.append(max(0.0, ended_at - bridged_at))

    def adjust(self, now: float, target: float) -> None:
        """The slow loop: every ``ADJUST_EVERY`` seconds, once people have answered, move
        the aggressiveness toward the abandon rate that sits just under ``target``."""
        if self.abandons and now - self.adjusted_at >= ADJUST_EVERY:
            self.aggressiveness = adjust_aggressiveness(
                self.aggressiveness, self.recent_abandon_rate, target
            )
            self.adjusted_at = now

    @property
    def answer_rate(self) -> float:
        """Share of recent ended dials a person answered."""
        if not self.person_answered:
            return 0.0
        return sum(self.person_answered) / len(self.person_answered)

    @property
    def recent_abandon_rate(self) -> float:
        """Abandons over the last :data:`ADJUST_WINDOW` calls a person answered."""
        return sum(self.abandons) / len(self.abandons) if self.abandons else 0.0


def pacer_state(
    measures: Measures,
    *,
    agents: Iterable[AgentView],
    reserved: int,
    ringing: Iterable[float],
    waiting: int,
    now: float,
    wrap_up_time: float,
    abandon_rate: float,
    abandon_target: float,
    max_lines: int,
) -> PacerState:
    """The pacer's state now. ``reserved`` ready agents are already promised to answered
    calls being connected; ``ringing`` holds each unanswered call's seconds of ringing."""
    ready = 0
    wrap_left: list[float] = []
    talking: list[float] = []
    for agent in agents:
        if agent.state is AgentStatus.READY:
            ready += 1
        elif agent.state is AgentStatus.WRAP_UP:
            until = agent.wrapup_until if agent.wrapup_until is not None else now + wrap_up_time
            wrap_left.append(max(0.0, until - now))
        elif agent.state in (AgentStatus.ON_CALL, AgentStatus.RINGING):
            talking.append(max(0.0, now - agent.since))
    return PacerState(
        ready_agents=max(0, ready - reserved),
        wrapping_up=tuple(wrap_left),
        talking=tuple(talking),
        ringing=tuple(ringing),
        waiting=waiting,
        answer_rate=measures.answer_rate,
        answer_samples=len(measures.person_answered),
        answer_delays=tuple(measures.answer_delays),
        unanswered_times=tuple(measures.unanswered_times),
        talk_times=tuple(measures.talk_times),
        wrap_up_time=wrap_up_time,
        abandon_rate=abandon_rate,
        abandon_target=abandon_target,
        aggressiveness=measures.aggressiveness,
        max_lines=max_lines,
    )


__all__ = ["RECENT", "RECENT_DIALS", "Measures", "pacer_state"]
