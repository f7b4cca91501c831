"""The statistics reports as the console reads them (``GET /api/stats/queues|agents``):
the JSON contract of docs/statistics.md, pinned by tests against the server's rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StatsQueueRow:
    """One queue and period (``start`` ISO 8601 in the report's zone)."""

    queue: str
    start: str
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
class StatsAgentRow:
    """One agent and period."""

    agent: str
    start: str
    answered: int
    talk_s: int
    wrapup_s: float
    pause_s: float
    pause_by_reason: dict[str, float]
    login_s: float
    occupancy_pct: float | None


@dataclass(frozen=True)
class StatsQueueReport:
    """``GET /api/stats/queues``."""

    rows: tuple[StatsQueueRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StatsAgentReport:
    """``GET /api/stats/agents``."""

    rows: tuple[StatsAgentRow, ...] = field(default_factory=tuple)


__all__ = ["StatsAgentReport", "StatsAgentRow", "StatsQueueReport", "StatsQueueRow"]
