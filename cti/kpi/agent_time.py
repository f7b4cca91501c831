"""queue_log lines → each agent's logged-in, paused and wrap-up time, and their figures
per period (stdlib only).

- **Logged in**: from ``ADDMEMBER`` to ``REMOVEMEMBER``, in any queue.
- **Paused**: ``PAUSE``/``UNPAUSE`` per queue and ``PAUSEALL``/``UNPAUSEALL`` for all; an
  agent counts as paused while paused in every queue they are logged in to (an agent
  still taking calls from one queue is not paused). The same pause repeated changes
  nothing (repeated pauses collapse); a pause with another reason while paused starts
  a stretch of that reason (Asterisk writes one when the agent switches, say, from
  wrap-up to coffee).
- **Wrap-up**: measured, not configured. The service holds an agent's queue calls during
  wrap-up with a pause of reason ``wrap-up`` (until the disposition or the wrap-up time),
  so such a pause is wrap-up time, not pause time. ``WRAPUPSTART``/``WRAPUPEND`` lines
  (call id and queue of the call wrapped up; ``WRAPUPEND`` data1 the seconds measured)
  give a stint its own wrap-up where a PBX writes them.
- Intervals still open at the window's end are clipped there.
- An agent's calls are counted in the period of their connect.
- **Occupancy** = (talk + wrap-up) ÷ (logged in − paused); None when that is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cti.kpi.intervals import Interval, period_start
from cti.kpi.queue_log import NONE, QueueLogError, QueueLogLine
from cti.kpi.stints import Outcome, Stint

WRAPUP_REASON = "wrap-up"
"""The pause reason the service holds an agent's queue calls with during wrap-up
(``cti.model.WRAPUP_PAUSE_REASON``): such a pause is wrap-up time, not a pause."""
WRAPUP_START = "WRAPUPSTART"
WRAPUP_END = "WRAPUPEND"
ALL_QUEUES = NONE
"""The queue column of ``PAUSEALL``/``UNPAUSEALL``."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of an agent's time in one state: logged in or not, paused (and why)."""

    start: float
    end: float
    logged_in: bool
    paused: bool
    reason: str = ""


@dataclass
class _Agent:
    """What one agent is at the last line read: queues logged in, pauses in force."""

    queues: set[str] = field(default_factory=set)
    paused: dict[str, str] = field(default_factory=dict)  # queue (or ALL_QUEUES) → reason
    since: float | None = None
    segments: list[Segment] = field(default_factory=list)

    def state(self) -> tuple[bool, bool, str]:
        logged = bool(self.queues)
        if not logged:
            return False, False, ""
        if ALL_QUEUES in self.paused:
            return True, True, self.paused[ALL_QUEUES]
        if all(queue in self.paused for queue in self.queues):
            return True, True, list(self.paused.values())[-1]
        return True, False, ""


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One agent's figures for one period."""

    agent: str
    start: datetime
    login_s: float
    pause_s: float
    pause_by_reason: dict[str, float]
    answered: int
    talk_s: int
    wrapup_s: float
    occupancy_pct: float | None


@dataclass
class AgentBook:
    """Follows the member lines of a queue_log into each agent's segments of time."""

    agents: dict[str, _Agent] = field(default_factory=dict)
    wrapups: dict[tuple[str, str], float] = field(default_factory=dict)
    """(call id, queue) → measured wrap-up seconds after that call's stint."""

    def feed(self, line: QueueLogLine) -> None:
        """Take one line (lines of other verbs are ignored)."""
        verb = line.event
        if verb == WRAPUP_END:
            self.wrapups[(line.call_id, line.queue)] = _seconds(line)
            return
        if verb not in ("ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"):
            return
        agent = self.agents.setdefault(line.agent, _Agent())
        before = agent.state()
        if verb == "ADDMEMBER":
            agent.queues.add(line.queue)
            if line.field(1) == "PAUSED":
                agent.paused.setdefault(line.queue, "")
        elif verb == "REMOVEMEMBER":
            agent.queues.discard(line.queue)
            agent.paused.pop(line.queue, None)
        elif verb in ("PAUSE", "PAUSEALL"):
            queue = ALL_QUEUES if verb == "PAUSEALL" else line.queue
            if agent.paused.get(queue) != line.field(1):  # the same pause again: no change
                agent.paused.pop(queue, None)
                agent.paused[queue] = line.field(1)  # the latest reason is the one in force
        elif verb == "UNPAUSEALL":
            agent.paused.clear()
        else:
            agent.paused.pop(line.queue, None)
        self._moved(agent, before, line.time)

    def feed_all(self, lines: Iterable[QueueLogLine]) -> AgentBook:
        """Take every line in order; the book itself."""
        for line in lines:
            self.feed(line)
        return self

    @staticmethod
    def _moved(agent: _Agent, before: tuple[bool, bool, str], at: float) -> None:
        """Close the segment of the state ``before`` when the state changed at ``at``."""
        if agent.state() == before:
            return
        if agent.since is not None and before[0]:
            agent.segments.append(Segment(agent.since, at, *before))
        agent.since = at

    def segments(self, agent: str, until: float, since: float = 0.0) -> list[Segment]:
        """The agent's logged-in segments within ``[since, until)``, the one still open
        clipped at ``until``."""
        found = self.agents.get(agent)
        if found is None:
            return []
        done = [
            Segment(max(s.start, since), s.end, s.logged_in, s.paused, s.reason)
            for s in found.segments
            if s.start < until and s.end > since
        ]
        clipped = [
            Segment(s.start, min(s.end, until), s.logged_in, s.paused, s.reason) for s in done
        ]
        logged, paused, reason = found.state()
        if logged and found.since is not None and found.since < until:
            clipped.append(Segment(max(found.since, since), until, logged, paused, reason))
        return clipped

    def wrapup_of(self, stint: Stint) -> float:
        """The measured wrap-up after ``stint`` (0 when none was written)."""
        return self.wrapups.get((stint.call_id, stint.queue), 0.0)


def _seconds(line: QueueLogLine) -> float:
    value = line.field(1)
    try:
        seconds = float(value)
    except ValueError:
        raise QueueLogError(f"{line.event} data1 is not seconds: {value!r}") from None
    if not 0 <= seconds < 86400:
        raise QueueLogError(f"{line.event} data1 is not seconds: {value!r}")
    return seconds


def _periods(
    start: float, end: float, interval: Interval, zone: ZoneInfo
) -> list[tuple[datetime, float, float]]:
    """The periods ``[start, end)`` spans: (period start, overlap start, overlap end)."""
    pieces = []
    at = start
    while at < end:
        period = period_start(at, interval, zone)
        following = _next_period(period, interval).timestamp()
        pieces.append((period, at, min(end, following)))
        at = following
    return pieces


def _next_period(start: datetime, interval: Interval) -> datetime:
    if interval is Interval.MONTH:
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return start.replace(year=year, month=month)
    if interval in (Interval.DAY, Interval.WEEK):
        days = 7 if interval is Interval.WEEK else 1
        return (start.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=start.tzinfo)
    minutes = {Interval.MIN15: 15, Interval.MIN30: 30, Interval.HOUR: 60}[interval]
    return datetime.fromtimestamp(start.timestamp() + minutes * 60, start.tzinfo)


def agent_figures(
    book: AgentBook,
    stints: Iterable[Stint],
    *,
    interval: Interval,
    zone: ZoneInfo,
    until: float,
    since: float = 0.0,
) -> list[AgentFigures]:
    """Every agent's figures per period within ``[since, until)`` (the window), ordered
    by agent, then period; periods where the agent was neither logged in nor talking are
    left out."""
    time: dict[tuple[str, datetime], dict[str, float]] = {}
    for agent in book.agents:
        for segment in book.segments(agent, until, since):
            for period, begin, end in _periods(segment.start, segment.end, interval, zone):
                slot = time.setdefault((agent, period), {"login": 0.0, "pause": 0.0})
                slot["login"] += end - begin
                if segment.paused and segment.reason == WRAPUP_REASON:
                    slot["wrapup"] = slot.get("wrapup", 0.0) + end - begin
                elif segment.paused:
                    slot["pause"] += end - begin
                    key = "pause:" + segment.reason
                    slot[key] = slot.get(key, 0.0) + end - begin
    calls: dict[tuple[str, datetime], list[Stint]] = {}
    for stint in stints:
        if stint.outcome is Outcome.ANSWERED and stint.agent and stint.ended_at is not None:
            period = period_start(stint.ended_at, interval, zone)
            calls.setdefault((stint.agent, period), []).append(stint)
    rows = []
    for agent, period in sorted(set(time) | set(calls), key=lambda k: (k[0], k[1].timestamp())):
        slot = time.get((agent, period), {"login": 0.0, "pause": 0.0})
        answered = calls.get((agent, period), [])
        talk = sum(s.talk or 0 for s in answered)
        wrapup = slot.get("wrapup", 0.0) + sum(book.wrapup_of(s) for s in answered)
        available = slot["login"] - slot["pause"]
        rows.append(
            AgentFigures(
                agent=agent,
                start=period,
                login_s=round(slot["login"], 3),
                pause_s=round(slot["pause"], 3),
                pause_by_reason={
                    key.removeprefix("pause:"): round(value, 3)
                    for key, value in sorted(slot.items())
                    if key.startswith("pause:")
                },
                answered=len(answered),
                talk_s=talk,
                wrapup_s=round(wrapup, 3),
                occupancy_pct=None
                if available <= 0
                else round(100 * (talk + wrapup) / available, 2),
            )
        )
    return rows


__all__ = [
    "ALL_QUEUES",
    "WRAPUP_END",
    "WRAPUP_REASON",
    "WRAPUP_START",
    "AgentBook",
    "AgentFigures",
    "Segment",
    "agent_figures",
]
