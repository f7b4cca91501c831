"""Stints → a queue's figures per period: one definition for the wall-board and the
reports (stdlib only). docs/statistics.md gives the definitions with a worked example.

- **offered**: stints that entered in the period; **waiting**: those with no outcome yet.
- **SL %** = answered with wait ≤ T ÷ (offered − waiting − short abandons), T the queue's
  service level; every other outcome counts against it; ``None`` when nothing counts (an
  empty period shows no value, never 0 %). Short abandons (abandoned with wait < S, S
  per queue, off by default) are reported, and left out of SL % only.
- **ASA**: mean wait of the answered; **average wait**: of every stint with a known wait;
  **AHT**: mean of talk + wrap-up over answered stints whose call has ended.
- Secondary, named as such: Asterisk's ``ServicelevelPerf2`` ((abandoned within T +
  answered within T) ÷ (abandoned + answered), Asterisk's "abandoned" being every
  unanswered outcome but a key exit) and the "QoS" of Wazo (answered within T ÷ answered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from cti.kpi.intervals import Interval, period_start
from cti.kpi.stints import ASTERISK_ABANDONS, Blocked, Blocking, Outcome, Stint


@dataclass(frozen=True, slots=True)
class QueueRules:
    """A queue's thresholds: service level T, short abandons under S seconds (None: off)."""

    service_level: int = 20
    short_abandon: int | None = None


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """One queue's figures for one period (``start`` local to the report's zone)."""

    queue: str
    start: datetime
    offered: int
    answered: int
    abandoned: int
    timed_out: int
    key_exits: int
    exit_empty: int
    withdrawn: int
    failed: int
    waiting: int
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
    asterisk_sl2_pct: float | None
    qos_pct: float | None
    service_level_s: int

    @property
    def abandon_pct(self) -> float | None:
        """Abandoned ÷ (offered − waiting), in %; None when nothing ended."""
        ended = self.offered - self.waiting
        return _pct(self.abandoned, ended)

    @property
    def answer_pct(self) -> float | None:
        """Answered ÷ (offered − waiting), in %; None when nothing ended."""
        return _pct(self.answered, self.offered - self.waiting)


def _pct(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(100.0 * part / whole, 2)


def _mean(values: list[int]) -> float | None:
    return None if not values else round(sum(values) / len(values), 2)


@dataclass
class _Bucket:
    stints: list[Stint] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)


def tally(
    queue: str,
    start: datetime,
    stints: Iterable[Stint],
    blocked: Iterable[Blocked] = (),
    rules: QueueRules = QueueRules(),
    wrapup: Callable[[Stint], int] = lambda _stint: 0,
) -> QueueFigures:
    """The figures of ``stints`` (and ``blocked`` calls) of one queue and period.

    ``wrapup`` gives the measured wrap-up seconds after an answered stint (0 if unknown).
    """
    every = list(stints)
    count = {outcome: 0 for outcome in Outcome}
    for stint in every:
        if stint.outcome is not None:
            count[stint.outcome] += 1
    answered = [s for s in every if s.outcome is Outcome.ANSWERED]
    waits = [s.wait for s in every if s.wait is not None]
    answer_waits = [s.wait for s in answered if s.wait is not None]
    within = sum(1 for wait in answer_waits if wait <= rules.service_level)
    short = rules.short_abandon
    abandon_waits = [s.wait for s in every if s.outcome is Outcome.ABANDONED and s.wait is not None]
    shorts = 0 if short is None else sum(1 for wait in abandon_waits if wait < short)
    waiting = sum(1 for s in every if s.outcome is None)
    counted = len(every) - waiting - shorts
    asterisk_abandoned = [s for s in every if s.outcome in ASTERISK_ABANDONS]
    asterisk_within = sum(
        1 for s in asterisk_abandoned if s.wait is not None and s.wait <= rules.service_level
    )
    ended = [s for s in answered if s.talk is not None]
    blocked_by = {reason.value: 0 for reason in Blocking}
    for call in blocked:
        blocked_by[call.reason.value] += 1
    return QueueFigures(
        queue=queue,
        start=start,
        offered=len(every),
        answered=len(answered),
        abandoned=count[Outcome.ABANDONED],
        timed_out=count[Outcome.TIMED_OUT],
        key_exits=count[Outcome.KEY_EXIT],
        exit_empty=count[Outcome.EXIT_EMPTY],
        withdrawn=count[Outcome.WITHDRAWN],
        failed=count[Outcome.FAILED],
        waiting=waiting,
        blocked=blocked_by,
        short_abandons=shorts,
        answered_within_sl=within,
        sl_pct=_pct(within, counted),
        asa_s=_mean(answer_waits),
        avg_wait_s=_mean(waits),
        max_wait_s=max(waits) if waits else None,
        talk_s=sum(s.talk or 0 for s in ended),
        aht_s=_mean([(s.talk or 0) + wrapup(s) for s in ended]),
        transfers=sum(1 for s in answered if s.transferred),
        asterisk_sl2_pct=_pct(asterisk_within + within, len(asterisk_abandoned) + len(answered)),
        qos_pct=_pct(within, len(answered)),
        service_level_s=rules.service_level,
    )


def _period_order(item: tuple[tuple[str, datetime], _Bucket]) -> tuple[str, float]:
    (queue, start), _bucket = item
    return queue, start.timestamp()


def queue_figures(
    stints: Iterable[Stint],
    blocked: Iterable[Blocked] = (),
    *,
    interval: Interval,
    zone: ZoneInfo,
    rules: Callable[[str], QueueRules] = lambda _queue: QueueRules(),
    wrapup: Callable[[Stint], int] = lambda _stint: 0,
) -> list[QueueFigures]:
    """Every queue's figures per period of ``interval`` (periods with no stint and no
    blocked call are left out), ordered by queue, then period."""
    buckets: dict[tuple[str, datetime], _Bucket] = {}
    for stint in stints:
        start = period_start(stint.entered_at, interval, zone)
        buckets.setdefault((stint.queue, start), _Bucket()).stints.append(stint)
    for call in blocked:
        start = period_start(call.at, interval, zone)
        buckets.setdefault((call.queue, start), _Bucket()).blocked.append(call)
    return [
        tally(queue, start, bucket.stints, bucket.blocked, rules(queue), wrapup)
        for (queue, start), bucket in sorted(buckets.items(), key=_period_order)
    ]


__all__ = ["QueueFigures", "QueueRules", "queue_figures", "tally"]
