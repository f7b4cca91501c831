"""Outbound dialling simulated: occupancy and abandon rate of the production pacer.

    .venv/bin/python bench/dialer_sim.py [--seeds 1 2 3 4] [--hours 8] [--agents 50 10 100]
                                         [--modes progressive predictive] [--json]

A discrete-event simulation (``heapq``, ``random.Random(seed)``) of one campaign that
drives the production functions of ``cti.dialer.pacer`` (``progressive_calls``, ``decide``
and ``adjust_aggressiveness``) exactly as the live dialer does: the fast loop after every
event, the slow loop every ``ADJUST_EVERY`` seconds.

The model (issue 13): every agent is signed in for the whole run; a dial rings; with
probability 30 % a person answers after U(4, 16) s, otherwise the line ends at 15 s
unanswered. A person who answers gets a free agent at once, or waits at most 2 s for one
and is then abandoned (the identification message). Talk is Exp(180 s), then 15 s of
wrap-up. The pacer sees what the live dialer measures: the answer rate over the last
2,000 ended dials; the last 300 answer delays, unanswered dial durations and talk times;
the answered persons waiting; the abandon rate since the start for the guard (the run
lies inside the regulated 30-day window) and over the last ``ADJUST_WINDOW`` answered
calls for the slow loop. ``docs/dialer.md`` has the model, the measures and the table.

Occupancy = (talk + wrap-up seconds) ÷ logged-in seconds, both modes alike. Abandon rate
= abandoned ÷ answered by a person. Targets: progressive ≈ 81.25 % (195/240); predictive
with 50 agents ≥ 93 % and ≤ 3 % in every seed, 10 agents ≤ 3 %, 100 agents ≥ 96 % and
≤ 3 %. Exits 1 on a MISS (with ``--json`` too).
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field

from rich.console import Console
from rich.table import Table

from cti.dialer.pacer import (
    ADJUST_EVERY,
    ADJUST_WINDOW,
    START_AGGRESSIVENESS,
    Mode,
    PacerState,
    adjust_aggressiveness,
    decide,
    progressive_calls,
)

ANSWER_RATE = 0.30
RING_MIN, RING_MAX = 4.0, 16.0
NO_ANSWER_AFTER = 15.0
TALK_MEAN = 180.0
WRAP_UP = 15.0
PATIENCE = 2.0
ABANDON_TARGET = 0.03
LINES_PER_AGENT = 3
RATE_WINDOW = 2_000
SAMPLE_WINDOW = 300
PROGRESSIVE_ANALYTIC = (TALK_MEAN + WRAP_UP) / (
    TALK_MEAN + WRAP_UP + NO_ANSWER_AFTER * (1 - ANSWER_RATE) / ANSWER_RATE
    + (RING_MIN + RING_MAX) / 2
)  # fmt: skip
"""195 / 240: per call an agent waits 35 s of unanswered dials and 10 s of ringing."""

# event kinds, in the heap as (time, sequence, kind, subject)
ANSWERED, UNANSWERED, PATIENCE_OVER, TALK_OVER, WRAP_OVER, ADJUST = range(6)
console = Console(width=max(Console().width, 120))


class Samples:
    """The last ``size`` measurements, as the tuple the pacer takes (rebuilt only on change)."""

    def __init__(self, size: int) -> None:
        self.values: deque[float] = deque(maxlen=size)
        self.total = 0.0
        self.cached: tuple[float, ...] | None = ()

    def add(self, value: float) -> None:
        """Record one measurement, forgetting the oldest beyond ``size``."""
        if len(self.values) == self.values.maxlen:
            self.total -= self.values[0]
        self.values.append(value)
        self.total += value
        self.cached = None

    def as_tuple(self) -> tuple[float, ...]:
        """The measurements, oldest first."""
        if self.cached is None:
            self.cached = tuple(self.values)
        return self.cached

    def mean(self) -> float:
        """Their mean, 0.0 before the first."""
        return self.total / len(self.values) if self.values else 0.0


@dataclass
class Row:
    """One run's figures, as printed and as ``--json`` gives them."""

    mode: str
    agents: int
    seed: int
    occupancy: float
    abandon_rate: float
    calls: int
    answered: int
    abandoned: int
    predictive_share: float = field(default=0.0)
    """Share of the fast loop's decisions taken in predictive mode (not behind a guard)."""


class Campaign:
    """One simulated campaign: agents, lines and the counters the pacer is fed."""

    def __init__(self, *, mode: str, agents: int, hours: float, seed: int) -> None:
        self.mode = mode
        self.agents = agents
        self.end = hours * 3600.0
        self.rng = random.Random(seed)
        self.seed = seed
        self.events: list[tuple[float, int, int, int]] = []
        self.sequence = 0
        self.ready: list[int] = list(range(agents))
        self.talk_started: dict[int, float] = {}
        self.wrap_ends: dict[int, float] = {}
        self.waiting: deque[int] = deque()
        """Answered persons waiting for an agent, oldest first (all wait the same 2 s)."""
        self.dialled_at: dict[int, float] = {}
        self.next_call = 0
        self.outcomes = Samples(RATE_WINDOW)
        self.answer_delays = Samples(SAMPLE_WINDOW)
        self.unanswered_times = Samples(SAMPLE_WINDOW)
        self.talk_times = Samples(SAMPLE_WINDOW)
        self.recent_abandons = Samples(ADJUST_WINDOW)
        self.answered = self.abandoned = self.calls = 0
        self.busy_seconds = 0.0
        self.aggressiveness = START_AGGRESSIVENESS
        self.decisions = self.predictive_decisions = 0

    def schedule(self, at: float, kind: int, subject: int) -> None:
        """Put an event on the heap (the sequence keeps equal times in order)."""
        self.sequence += 1
        heapq.heappush(self.events, (at, self.sequence, kind, subject))

    def state(self, now: float) -> PacerState:
        """What the live dialer would hand the pacer at ``now``."""
        return PacerState(
            ready_agents=len(self.ready),
            wrapping_up=tuple(end - now for end in self.wrap_ends.values()),
            talking=tuple(now - start for start in self.talk_started.values()),
            ringing=tuple(now - at for at in self.dialled_at.values()),
            waiting=len(self.waiting),
            answer_rate=self.outcomes.mean(),
            answer_samples=len(self.outcomes.values),
            answer_delays=self.answer_delays.as_tuple(),
            unanswered_times=self.unanswered_times.as_tuple(),
            talk_times=self.talk_times.as_tuple(),
            wrap_up_time=WRAP_UP,
            abandon_rate=self.abandoned / self.answered if self.answered else 0.0,
            abandon_target=ABANDON_TARGET,
            aggressiveness=self.aggressiveness,
            max_lines=LINES_PER_AGENT * self.agents,
        )

    def pace(self, now: float) -> None:
        """The fast loop: ask the pacer, dial what it says."""
        state = self.state(now)
        if self.mode == "progressive":
            calls = progressive_calls(state)
        else:
            decision = decide(state)
            calls = decision.calls
            self.decisions += 1
            self.predictive_decisions += decision.mode is Mode.PREDICTIVE
        for _ in range(calls):
            self.dial(now)

    def dial(self, now: float) -> None:
        """Originate one call: its outcome and when it comes are drawn now."""
        call = self.next_call
        self.next_call += 1
        self.calls += 1
        self.dialled_at[call] = now
        if self.rng.random() < ANSWER_RATE:
            self.schedule(now + self.rng.uniform(RING_MIN, RING_MAX), ANSWERED, call)
        else:
            self.schedule(now + NO_ANSWER_AFTER, UNANSWERED, call)

    def connect(self, agent: int, now: float) -> None:
        """Put an answered person through to ``agent``: talk, then wrap-up."""
        talk = self.rng.expovariate(1.0 / TALK_MEAN)
        self.talk_started[agent] = now
        self.schedule(now + talk, TALK_OVER, agent)
        self.busy_seconds += min(now + talk + WRAP_UP, self.end) - now

    def on_answered(self, call: int, now: float) -> None:
        """A person answered: an agent now, or up to 2 s of waiting."""
        self.outcomes.add(1)
        self.answer_delays.add(now - self.dialled_at.pop(call))
        self.answered += 1
        if self.ready:
            self.recent_abandons.add(0)
            self.connect(self.ready.pop(), now)
        else:
            self.waiting.append(call)
            self.schedule(now + PATIENCE, PATIENCE_OVER, call)

    def on_unanswered(self, call: int, now: float) -> None:
        """The line ended with no person on it."""
        self.outcomes.add(0)
        self.unanswered_times.add(now - self.dialled_at.pop(call))

    def on_patience_over(self, call: int) -> None:
        """Still waiting after 2 s: abandoned (the identification message)."""
        if self.waiting and self.waiting[0] == call:
            self.waiting.popleft()
            self.abandoned += 1
            self.recent_abandons.add(1)

    def on_talk_over(self, agent: int, now: float) -> None:
        """The talk ended: the agent wraps up."""
        self.talk_times.add(now - self.talk_started.pop(agent))
        self.wrap_ends[agent] = now + WRAP_UP
        self.schedule(now + WRAP_UP, WRAP_OVER, agent)

    def on_wrap_over(self, agent: int, now: float) -> None:
        """Wrap-up over: the oldest waiting person, else ready."""
        del self.wrap_ends[agent]
        if self.waiting:
            self.waiting.popleft()
            self.recent_abandons.add(0)
            self.connect(agent, now)
        else:
            self.ready.append(agent)

    def run(self) -> Row:
        """Play the whole run and return its figures."""
        self.schedule(ADJUST_EVERY, ADJUST, 0)
        self.pace(0.0)
        while self.events:
            now, _, kind, subject = heapq.heappop(self.events)
            if now >= self.end:
                break
            if kind == ANSWERED:
                self.on_answered(subject, now)
            elif kind == UNANSWERED:
                self.on_unanswered(subject, now)
            elif kind == PATIENCE_OVER:
                self.on_patience_over(subject)
                continue
            elif kind == TALK_OVER:
                self.on_talk_over(subject, now)
            elif kind == WRAP_OVER:
                self.on_wrap_over(subject, now)
            else:
                self.aggressiveness = adjust_aggressiveness(
                    self.aggressiveness, self.recent_abandons.mean(), ABANDON_TARGET
                )
                self.schedule(now + ADJUST_EVERY, ADJUST, 0)
                continue
            self.pace(now)
        return Row(
            mode=self.mode,
            agents=self.agents,
            seed=self.seed,
            occupancy=self.busy_seconds / (self.agents * self.end),
            abandon_rate=self.abandoned / self.answered if self.answered else 0.0,
            calls=self.calls,
            answered=self.answered,
            abandoned=self.abandoned,
            predictive_share=self.predictive_decisions / self.decisions if self.decisions else 0.0,
        )


def simulate(*, mode: str, agents: int, hours: float, seed: int) -> Row:
    """One run of ``mode`` (``progressive`` or ``predictive``) with ``agents`` agents."""
    if mode not in ("progressive", "predictive"):
        raise ValueError(f"mode: {mode!r} is neither progressive nor predictive")
    if agents < 1:
        raise ValueError("agents: need at least one")
    if hours <= 0:
        raise ValueError("hours: must be positive")
    return Campaign(mode=mode, agents=agents, hours=hours, seed=seed).run()


def goal(row: Row) -> tuple[str, bool]:
    """The row's target as text, and whether the row meets it."""
    if row.mode == "progressive":
        return (
            f"≈ {PROGRESSIVE_ANALYTIC:.1%} ± 1.5",
            abs(row.occupancy - PROGRESSIVE_ANALYTIC) <= 0.015 and row.abandoned == 0,
        )
    floor = {50: 0.93, 100: 0.96}.get(row.agents)
    within = row.abandon_rate <= ABANDON_TARGET
    if floor is None:
        return f"≤ {ABANDON_TARGET:.0%}", within
    return f"≥ {floor:.0%}, ≤ {ABANDON_TARGET:.0%}", within and row.occupancy >= floor


def print_table(rows: list[Row], title: str) -> bool:
    """The rich table with PASS/MISS per row; True when every row passes."""
    table = Table(title=title, title_style="bold")
    for column in ("mode", "agents", "seed", "occupancy", "abandon rate", "calls"):
        table.add_column(column, justify="right")
    table.add_column("answered", justify="right")
    table.add_column("predictive", justify="right")
    table.add_column("goal")
    table.add_column("")
    ok = True
    for row in rows:
        target, passed = goal(row)
        ok = ok and passed
        table.add_row(
            row.mode, str(row.agents), str(row.seed), f"{row.occupancy:.2%}",
            f"{row.abandon_rate:.2%}", f"{row.calls:,}", f"{row.answered:,}",
            f"{row.predictive_share:.0%}" if row.mode == "predictive" else "",
            target, "[bold green]PASS[/]" if passed else "[bold red]MISS[/]",
        )  # fmt: skip
    console.print(table)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--agents", type=int, nargs="+", default=[50, 10, 100])
    parser.add_argument(
        "--modes", nargs="+", choices=("progressive", "predictive"),
        default=["progressive", "predictive"],
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the rows as JSON only")
    args = parser.parse_args()
    if args.hours <= 0:
        parser.error("--hours must be positive")
    if min(args.agents) < 1:
        parser.error("--agents must be at least 1")
    started = time.perf_counter()
    rows = [
        simulate(mode=mode, agents=agents, hours=args.hours, seed=seed)
        for agents in args.agents
        for mode in args.modes
        for seed in args.seeds
    ]
    elapsed = time.perf_counter() - started
    if args.json:
        keys = ("mode", "agents", "seed", "occupancy", "abandon_rate")
        print(json.dumps([{key: asdict(row)[key] for key in keys} for row in rows], indent=2))
        return 0 if all(goal(row)[1] for row in rows) else 1
    ok = print_table(
        rows,
        f"Dialer simulation · {args.hours:g} h · 30 % live answers · talk Exp(180 s) · "
        f"wrap-up 15 s · {len(rows)} runs in {elapsed:.1f} s",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
