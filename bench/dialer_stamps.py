"""Asterisk's side of the live dialer benchmark (``bench/dialer_live.py``) and its figures.

`Observer` is the bench's own AMI session: it keeps Asterisk's ``Timestamp`` of each step
of every attempt channel (``Uniqueid`` = the attempt id) and hangs up each connected
callee after the talk time. `figures` turns those stamps, the service's write timings
and the CRM's attempts into the run's `Figures`; `print_table` prints them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from crm_core.campaigns.schemas import AttemptView
from cti.ami import Action, AmiMessage
from cti.ami.connection import AmiConnection
from cti.bus import dialplan

P99_TARGET_MS = 200.0
ATTEMPT_ID = re.compile(r"[0-9a-f]{32}")
"""Attempt ids (the callee channels' Uniqueids); Asterisk's own look like ``1712….42``."""
STEPS = (
    "answer → Setvar done",
    "Setvar → Redirect done",
    "Redirect → agent dialled",
    "agent dialled → bridged",
)
"""The steps from a person's answer to the agent's bridge, in order (see `step_samples`).

The dialer connects before it writes (its writes go through a queue), so the write of
the answer is not a step: its time is in the table of the CRM writes."""
SLOW_MS = 50.0
"""An answer waiting longer than this for the dialer's first write about it is slow."""
console = Console(width=max(Console().width, 110))


@dataclass(frozen=True)
class AmiTarget:
    """Where the sandbox's AMI listens, and its credentials."""

    host: str
    port: int
    username: str
    secret: str


def _step_of(event: AmiMessage) -> str | None:
    """Which moment of an attempt's call ``event`` (on the attempt's channel) marks."""
    name = event.event
    if name == "UserEvent" and event.get("UserEvent") == dialplan.DIALER_USER_EVENT:
        return event.get("Step") or None  # answered, connecting, abandoned
    return {
        "Newchannel": "created",
        "Newstate": "up" if event.get("ChannelStateDesc") == "Up" else None,
        "VarSet": "target" if event.get("Variable") == dialplan.TARGET_VARIABLE else None,
        "DialBegin": "dial",  # the connect context dialling the agent (callee = caller side)
        "BridgeEnter": "bridged",
        "Hangup": "ended",
    }.get(name)


@dataclass
class Observer:
    """Asterisk's timestamp of each step of each attempt; hangs up talks after a while."""

    talk_seconds: float
    stamps: dict[str, dict[str, float]] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    connection: AmiConnection | None = None
    _talks: set[asyncio.Task[None]] = field(default_factory=set)

    async def open(self, target: AmiTarget) -> None:
        """Connect and log in."""
        self.connection = await AmiConnection.open(target.host, target.port, on_event=self._on)
        await self.send(Action("Login", Username=target.username, Secret=target.secret))

    async def send(self, action: Action) -> AmiMessage:
        """Send an action; its response."""
        assert self.connection is not None
        return await self.connection.send(action, answer_within=10)

    async def close(self) -> None:
        """Stop the pending hang-ups and close the session."""
        for talk in self._talks:
            talk.cancel()
        if self.connection is not None:
            self.connection.close()
            await self.connection.wait_closed()

    async def until(self, condition: Callable[[], bool], within: float) -> None:
        """Wait (on events) until ``condition()`` holds."""
        async with asyncio.timeout(within):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    def _on(self, event: AmiMessage) -> None:
        if event.event == "QueueMemberAdded":
            self.members.add(event.get("Interface"))
            self.changed.set()
        uniqueid = event.get("Uniqueid")
        step = _step_of(event) if ATTEMPT_ID.fullmatch(uniqueid) else None
        if step is None:
            return
        steps = self.stamps.setdefault(uniqueid, {})
        if step not in steps:
            steps[step] = float(event.get("Timestamp") or time.time())
            if step == "up":
                steps["up_read"] = time.time()
            if step == "bridged":
                self._hang_up_later(event.get("Channel"))

    def _hang_up_later(self, channel: str) -> None:
        async def talk() -> None:
            await asyncio.sleep(self.talk_seconds)
            with contextlib.suppress(Exception):  # the callee may be gone already
                await self.send(Action("Hangup", Channel=channel))

        task = asyncio.create_task(talk())
        self._talks.add(task)
        task.add_done_callback(self._talks.discard)


# -- figures -------------------------------------------------------------------------------


@dataclass
class WriteTimes:
    """How long each CRM write the dialer awaits took (queueing for the writer included)."""

    ms: dict[str, list[float]] = field(default_factory=dict)
    spans: list[tuple[str, float, float]] = field(default_factory=list)
    """Every write: its name, start and end (wall clock)."""
    answered: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per attempt: when its "attempt answered" write started and ended (wall clock)."""

    def add(self, name: str, attempt_id: object, started: float, ended: float) -> None:
        """One write of ``name`` (for ``attempt_id``) from ``started`` to ``ended``."""
        self.ms.setdefault(name, []).append((ended - started) * 1000)
        self.spans.append((name, started, ended))
        if name == "attempt_answered" and isinstance(attempt_id, str):
            self.answered[attempt_id] = (started, ended)


@dataclass
class Figures:
    """What one run measured (printed as tables, or as JSON with ``--json``)."""

    agents: int
    leads: int
    complete: bool
    """Every lead's call ended (else the run stalled and was cut short)."""
    wall_seconds: float
    dialled: int
    answered: int
    connected: int
    abandoned: int
    abandoned_after_bridge: int
    """Connected, but only after the 2-s clock fired (a late Redirect: still an abandon)."""
    abandon_rate: float
    peak_in_flight: int
    """Most callee channels alive at once (Newchannel → Hangup)."""
    mean_in_flight: float
    occupancy: float
    """Share of the agents' time spent connected to a callee (BridgeEnter → Hangup)."""
    connect_ms: dict[str, float]
    steps_ms: dict[str, dict[str, float]]
    writes_ms: dict[str, dict[str, float]]
    results: dict[str, int]
    """The attempts' results as the dialer wrote them to the CRM."""
    crm_answered: int
    crm_connected: int
    slow_answers: int
    """Answers that waited over `SLOW_MS` before the dialer's first write about them."""
    writes_before_slow: dict[str, float]
    """Per slow answer, on average: the dialer's writes that ended while it waited."""

    @property
    def connect_p99(self) -> float:
        """The connect latency's p99 in ms (infinite when nobody was connected)."""
        return self.connect_ms.get("p99", float("inf"))

    @property
    def consistent(self) -> bool:
        """Asterisk's counts and the CRM's agree, and every answered person is accounted."""
        in_time = self.connected - self.abandoned_after_bridge
        return (
            self.dialled == sum(self.results.values())
            and self.crm_answered == self.answered
            and self.crm_connected == self.connected
            and self.results.get("abandoned", 0) == self.abandoned
            and in_time + self.abandoned == self.answered
        )


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max / n of millisecond samples (nearest-rank percentiles); n only if none."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    picked = {"p50": rank(0.5), "p99": rank(0.99), "max": ordered[-1]}
    return {**{name: round(value, 2) for name, value in picked.items()}, "n": len(ordered)}


def step_samples(stamps: dict[str, dict[str, float]]) -> dict[str, list[float]]:
    """Per connected attempt: the milliseconds of each of `STEPS`."""
    samples: dict[str, list[float]] = {step: [] for step in STEPS}
    needed = ("up", "target", "connecting", "dial", "bridged")
    for seen in stamps.values():
        if not all(step in seen for step in needed):
            continue
        marks = tuple(seen[step] for step in needed)
        for step, (before, after) in zip(STEPS, itertools.pairwise(marks), strict=True):
            samples[step].append((after - before) * 1000)
    return samples


def peak_in_flight(stamps: Sequence[dict[str, float]]) -> int:
    """Most calls alive at once, from their Newchannel and Hangup stamps."""
    changes = sorted(
        [(seen["created"], 1) for seen in stamps if "created" in seen]
        + [(seen["ended"], -1) for seen in stamps if "created" in seen and "ended" in seen]
    )
    return max(itertools.accumulate(change for _, change in changes), default=0)


def in_flight_and_occupancy(stamps: Sequence[dict[str, float]], agents: int) -> tuple[float, float]:
    """Mean calls alive, and the agents' connected share, over the run's span."""
    ended = [seen for seen in stamps if "created" in seen and "ended" in seen]
    if not ended:
        return 0.0, 0.0
    span = max(seen["ended"] for seen in ended) - min(seen["created"] for seen in ended)
    alive = sum(seen["ended"] - seen["created"] for seen in ended)
    talking = sum(seen["ended"] - seen["bridged"] for seen in ended if "bridged" in seen)
    return alive / span, talking / (span * agents)


def writes_before_slow(
    stamps: dict[str, dict[str, float]], writes: WriteTimes
) -> tuple[int, dict[str, float]]:
    """Answers that waited over `SLOW_MS` for their first write, and what ended meanwhile."""
    slow = [(seen["up"], writes.answered[aid][0]) for aid, seen in stamps.items()
            if "up" in seen and aid in writes.answered
            and writes.answered[aid][0] - seen["up"] > SLOW_MS / 1000]  # fmt: skip
    between = Counter(name for up, start in slow for name, _, end in writes.spans
                      if up < end <= start)  # fmt: skip
    return len(slow), {name: count / len(slow) for name, count in sorted(between.items())}


def figures(
    agents: int, leads: int, observer: Observer, writes: WriteTimes,
    attempts: Sequence[AttemptView], complete: bool, wall: float,
) -> Figures:  # fmt: skip
    """The run's figures from Asterisk's stamps, the write timings and the CRM's attempts."""
    ours = {attempt.id for attempt in attempts}
    seen = {aid: steps for aid, steps in observer.stamps.items() if aid in ours}
    bridged = [s for s in seen.values() if "up" in s and "bridged" in s]
    answered = sum("up" in s for s in seen.values())
    abandoned = sum("abandoned" in s for s in seen.values())
    mean_in_flight, occupancy = in_flight_and_occupancy(list(seen.values()), agents)
    slow, before_slow = writes_before_slow(seen, writes)
    return Figures(
        agents=agents,
        leads=leads,
        complete=complete,
        wall_seconds=round(wall, 1),
        dialled=sum("created" in s for s in seen.values()),
        answered=answered,
        connected=len(bridged),
        abandoned=abandoned,
        abandoned_after_bridge=sum("abandoned" in s for s in bridged),
        abandon_rate=abandoned / answered if answered else 0.0,
        peak_in_flight=peak_in_flight(list(seen.values())),
        mean_in_flight=round(mean_in_flight, 2),
        occupancy=round(occupancy, 3),
        connect_ms=summary([(s["bridged"] - s["up"]) * 1000 for s in bridged]),
        steps_ms={
            **{k: summary(v) for k, v in step_samples(seen).items()},
            "(answer → Up read by the bench's AMI session)": summary(
                [(s["up_read"] - s["up"]) * 1000 for s in seen.values() if "up_read" in s]
            ),
        },
        writes_ms={name: summary(values) for name, values in sorted(writes.ms.items())},
        results=dict(Counter(attempt.result or "in flight" for attempt in attempts)),
        crm_answered=sum(attempt.answered_at is not None for attempt in attempts),
        crm_connected=sum(attempt.connected_at is not None for attempt in attempts),
        slow_answers=slow,
        writes_before_slow=before_slow,
    )


def _ms_table(title: str, rows: dict[str, dict[str, float]]) -> Table:
    table = Table(title=title, title_style="bold")
    for column in ("", "p50", "p99", "max", "n"):
        table.add_column(column, justify="right" if column else "left")
    for name, row in rows.items():
        cells = (f"{row[k]:.1f}" if k in row else "—" for k in ("p50", "p99", "max"))
        table.add_row(name, *cells, f"{row['n']:g}")
    return table


def print_table(found: Figures) -> None:
    """The figures as rich tables, with PASS/MISS against the target."""
    counts = Table(title=f"Dialer, live · progressive · {found.agents} agents · "
                         f"{found.leads} leads", title_style="bold")  # fmt: skip
    counts.add_column("figure")
    counts.add_column("value", justify="right")
    results = ", ".join(f"{name} {count}" for name, count in sorted(found.results.items()))
    for name, value in (
        ("dialled (Newchannel)", found.dialled),
        ("answered by a person (Up)", found.answered),
        ("connected to an agent (BridgeEnter)", found.connected),
        ("abandoned (2-s clock fired)", found.abandoned),
        ("abandon rate (÷ answered)", f"{found.abandon_rate:.1%}"),
        ("calls in flight: peak / mean", f"{found.peak_in_flight} / {found.mean_in_flight:.1f}"),
        ("agents' time connected", f"{found.occupancy:.1%}"),
        ("wall time", f"{found.wall_seconds:.1f} s"),
        ("results in the CRM", results),
    ):
        counts.add_row(name, str(value))
    console.print(counts)
    steps = {"answer → bridged": found.connect_ms, **found.steps_ms}
    console.print(_ms_table("answer → agent bridged, and its steps (ms)", steps))
    console.print(_ms_table("CRM writes the dialer awaits (ms, queueing included)",
                            found.writes_ms))  # fmt: skip
    if found.slow_answers:
        meanwhile = ", ".join(f"{n} {c:.1f}" for n, c in found.writes_before_slow.items())
        console.print(f"{found.slow_answers} answers waited > {SLOW_MS:g} ms for the dialer's "
                      f"first write; its writes that ended meanwhile, per answer: "
                      f"{meanwhile}")  # fmt: skip
    mark = {True: "[bold green]PASS[/]", False: "[bold red]MISS[/]"}
    p99 = found.connect_p99
    console.print(f"p99 {p99:.1f} ms ≤ {P99_TARGET_MS:g} ms: {mark[p99 <= P99_TARGET_MS]}")
    console.print(f"complete: {mark[found.complete]}; Asterisk and CRM agree: "
                  f"{mark[found.consistent]}")  # fmt: skip
