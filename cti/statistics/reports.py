"""Queue and agent reports over the stored queue_log lines: one way to build them, for
``ctidesk stats`` and ``GET /api/stats/…`` alike.

A report covers whole days ``[first, last]`` in a time zone. It reads the stored lines
up to ``LATE_LINES`` after its end (for the endings of calls that entered before it) and,
for agents, from ``AGENT_LOOKBACK`` before its start (who was logged in and paused when
it began). The rows follow the contract in docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_core.wiring import Crm
from cti.kpi import (
    AgentBook,
    AgentFigures,
    CallerFigures,
    Interval,
    QueueFigures,
    QueueRules,
    StintBook,
    agent_figures,
    caller_figures,
    calls,
    queue_figures,
)
from cti.kpi.figures import figures_from
from cti.statistics.lines import read_back
from cti.statistics.stored import ASTERISK_ABANDONED, by_period, thresholds

LATE_LINES = timedelta(hours=12)
"""Lines read past a report's end, so calls that entered before it get their endings."""
AGENT_LOOKBACK = timedelta(days=1)
"""Lines read before an agents' report, for who was logged in and paused at its start."""
MAX_DAYS = 366
"""The longest report, in days."""


class ReportError(ValueError):
    """A report that cannot be made as asked; ``field`` names the parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Window:
    """Whole days ``first``..``last`` in ``zone``, as epoch seconds ``[since, until)``."""

    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportError("the last day is before the first", "to")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ReportError(f"a report covers {MAX_DAYS} days at most", "to")

    @property
    def since(self) -> float:
        """The first day's local midnight."""
        return datetime(
            self.first.year, self.first.month, self.first.day, tzinfo=self.zone
        ).timestamp()

    @property
    def until(self) -> float:
        """The local midnight after the last day."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=self.zone).timestamp()


@dataclass(frozen=True)
class QueueRow:
    """One queue and period: the JSON contract's names (docs/statistics.md)."""

    queue: str
    start: datetime
    offered: int
    answered: int
    abandoned: int
    timed_out: int
    key_exits: int
    exit_empty: int
    withdrawn: int
    blocked: dict[str, int]
    short_abandons: int
    answered_within_sl: int
    sl_pct: float | None
    asa_s: float | None
    avg_wait_s: float | None
    max_wait_s: int | None
    talk_s: int
    aht_s: float | None
    transfers: int
    answered_by_wait: dict[str, int]
    """Answered stints per wait bucket, keyed ``0-10`` … ``301+`` (whole seconds)."""
    abandoned_by_wait: dict[str, int]
    """Abandoned stints per wait bucket."""


@dataclass(frozen=True)
class AgentRow:
    """One agent and period: the JSON contract's names (docs/statistics.md)."""

    agent: str
    start: datetime
    answered: int
    talk_s: int
    wrapup_s: float
    pause_s: float
    pause_by_reason: dict[str, float]
    login_s: float
    occupancy_pct: float | None


CallRow = CallerFigures
"""The calls that began in one period, each counted once across the queues it visited:
the caller view's figures are the JSON contract's row as they are (docs/statistics.md),
so one type serves both; its fields are the contract's names, in order."""


@dataclass(frozen=True)
class QueueReport:
    """``GET /api/stats/queues``: the rows, oldest period first per queue."""

    rows: tuple[QueueRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AgentReport:
    """``GET /api/stats/agents``: the rows, oldest period first per agent."""

    rows: tuple[AgentRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CallReport:
    """``GET /api/stats/calls``: the rows, oldest period first."""

    rows: tuple[CallRow, ...] = field(default_factory=tuple)


QUEUE_FIELDS = tuple(QueueRow.__dataclass_fields__)
CALL_FIELDS = tuple(CallerFigures.__dataclass_fields__)
AGENT_FIELDS = tuple(AgentRow.__dataclass_fields__)


def queue_row(figures: QueueFigures) -> QueueRow:
    """The contract's row of a queue's figures."""
    return QueueRow(**{name: getattr(figures, name) for name in QUEUE_FIELDS})


def agent_row(figures: AgentFigures) -> AgentRow:
    """The contract's row of an agent's figures."""
    return AgentRow(**{name: getattr(figures, name) for name in AGENT_FIELDS})


async def _books(crm: Crm, since: float, until: float) -> tuple[StintBook, AgentBook]:
    parsed = [read_back(row) for row in await crm.queue_log.lines(since=since, until=until)]
    return StintBook().feed_all(parsed), AgentBook().feed_all(parsed)


async def queue_report(
    crm: Crm,
    window: Window,
    interval: Interval,
    rules: Callable[[str], QueueRules],
    queue: str | None = None,
) -> QueueReport:
    """Each queue's figures per period of ``interval`` within ``window``, summed by the
    database from the stored stints."""
    since, until = window.since, window.until
    store = crm.queue_log.stints
    queues = [queue] if queue is not None else await store.queues(since=since, until=until)
    levels, shorts = thresholds(queues, rules)
    slots = await store.slot_totals(
        since=since, until=until, levels=levels, default_level=QueueRules().service_level,
        short_abandons=shorts, asterisk_abandons=ASTERISK_ABANDONED, queue=queue,
    )  # fmt: skip
    periods = by_period(slots, interval, window.zone)
    ordered = sorted(periods, key=lambda key: (key[0], key[1].timestamp()))
    return QueueReport(
        tuple(
            queue_row(figures_from(q, start, periods[q, start], rules(q))) for q, start in ordered
        )
    )


async def queue_report_from_lines(
    crm: Crm,
    window: Window,
    interval: Interval,
    rules: Callable[[str], QueueRules],
    queue: str | None = None,
) -> QueueReport:
    """:func:`queue_report` recomputed from the stored lines (the stints' check)."""
    since, until = window.since, window.until
    stints, agents = await _books(crm, since, until + LATE_LINES.total_seconds())
    chosen = [s for s in stints.stints if since <= s.entered_at < until
              and (queue is None or s.queue == queue)]  # fmt: skip
    blocked = [b for b in stints.blocked if since <= b.at < until
               and (queue is None or b.queue == queue)]  # fmt: skip
    figures = queue_figures(chosen, blocked, interval=interval, zone=window.zone, rules=rules,
                            wrapup=lambda s: round(agents.wrapup_of(s)))  # fmt: skip
    return QueueReport(tuple(queue_row(row) for row in figures))


async def agent_report(
    crm: Crm, window: Window, interval: Interval, agent: str | None = None
) -> AgentReport:
    """Each agent's figures per period of ``interval`` within ``window``."""
    since, until = window.since, window.until
    earlier = AGENT_LOOKBACK.total_seconds()
    stints, book = await _books(crm, since - earlier, until + LATE_LINES.total_seconds())
    answered = [s for s in stints.stints if s.ended_at is not None and since <= s.ended_at < until]
    figures = agent_figures(book, answered, interval=interval, zone=window.zone, until=until,
                            since=since)  # fmt: skip
    return AgentReport(tuple(agent_row(r) for r in figures if agent is None or r.agent == agent))


async def call_report(
    crm: Crm, window: Window, interval: Interval, queue: str | None = None
) -> CallReport:
    """The calls (stints joined by call id) per period of ``interval`` within ``window``,
    counted in the period of their first entry; with ``queue``, the calls that visited it."""
    since, until = window.since, window.until
    stints, _agents = await _books(crm, since, until + LATE_LINES.total_seconds())
    views = [view for view in calls(stints.stints) if since <= view.stints[0].entered_at < until
             and (queue is None or any(s.queue == queue for s in view.stints))]  # fmt: skip
    figures = caller_figures(views, interval=interval, zone=window.zone)
    return CallReport(tuple(figures))


__all__ = [
    "AGENT_FIELDS",
    "CALL_FIELDS",
    "QUEUE_FIELDS",
    "AgentReport",
    "AgentRow",
    "CallReport",
    "CallRow",
    "QueueReport",
    "QueueRow",
    "ReportError",
    "Window",
    "agent_report",
    "call_report",
    "queue_report",
    "queue_report_from_lines",
]
