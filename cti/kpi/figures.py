"""Stints → a queue's figures per period: one definition for the wall-board and the
reports (stdlib only). docs/statistics.md gives the definitions with a worked example.

- **offered**: stints that entered in the period; **waiting**: those with no outcome yet.
- **SL %** = answered with wait ≤ T ÷ (offered − waiting − short abandons), T the queue's
  service level; every other outcome counts against it; ``None`` when nothing counts (an
  empty period shows no value, never 0 %). Short abandons (abandoned with wait < S, S
  per queue, off by default) are reported, and left out of SL % only.
- **ASA**: mean wait of the answered; **average wait**: of every stint with a known wait;
  **AHT**: mean of talk + wrap-up over answered stints whose call has ended.
- **Wait distribution**: answered and abandoned stints counted by wait, in the buckets of
  :data:`WAIT_BUCKETS` (whole seconds, both ends included: ``0-10``, ``11-20`` … ``301+``).
- Secondary, named as such: Asterisk's ``ServicelevelPerf2`` ((abandoned within T +
  answered within T) ÷ (abandoned + answered), Asterisk's "abandoned" being every
  unanswered outcome but a key exit) and the "QoS" of Wazo (answered within T ÷ answered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import add
from zoneinfo import ZoneInfo

from cti.kpi.intervals import Interval, period_start
from cti.kpi.stints import ASTERISK_ABANDONS, Blocked, Blocking, Outcome, Stint

WAIT_BOUNDS = (10, 20, 30, 60, 120, 300)
"""The wait buckets' upper ends in seconds (a wait equal to one is in its bucket); one
more bucket holds the longer waits. The stored totals (``crm_core.queue_log.totals``) and
the wall-board's live chart use the same ends (tests/cti/kpi checks they agree)."""
WAIT_BUCKETS = (
    *(
        f"{low + 1 if low else 0}-{high}"
        for low, high in zip((0, *WAIT_BOUNDS[:-1]), WAIT_BOUNDS, strict=True)
    ),
    f"{WAIT_BOUNDS[-1] + 1}+",
)
"""The buckets' names, as the reports' JSON and exports key them: ``0-10`` … ``301+``."""


def wait_bucket(wait: int) -> int:
    """The index in :data:`WAIT_BUCKETS` of a wait of ``wait`` whole seconds."""
    for index, bound in enumerate(WAIT_BOUNDS):
        if wait <= bound:
            return index
    return len(WAIT_BOUNDS)


def _no_waits() -> list[int]:
    return [0] * len(WAIT_BUCKETS)


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
    answered_by_wait: dict[str, int]
    """Answered stints per wait bucket (:data:`WAIT_BUCKETS`, every bucket present)."""
    abandoned_by_wait: dict[str, int]
    """Abandoned stints per wait bucket (every bucket present)."""

    @property
    def abandon_pct(self) -> float | None:
        """Abandoned ÷ (offered − waiting), in %; None when nothing ended."""
        ended = self.offered - self.waiting
        return _pct(self.abandoned, ended)

    @property
    def answer_pct(self) -> float | None:
        """Answered ÷ (offered − waiting), in %; None when nothing ended."""
        return _pct(self.answered, self.offered - self.waiting)


OUTCOMES = tuple(Outcome)
REASONS = tuple(Blocking)
"""The members of the enumerations, listed once (iterating an enumeration is slow, and
reports fold thousands of totals)."""


def _pct(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(100.0 * part / whole, 2)


@dataclass(slots=True)
class Totals:
    """What a queue's figures are made of: counts, sums and maxima that add up across
    stints and periods (so stored stints can be summed by the database, then merged)."""

    offered: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    blocked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    waits: int = 0
    wait_sum: int = 0
    wait_max: int | None = None
    answer_waits: int = 0
    answer_wait_sum: int = 0
    within: int = 0
    """Answered with wait ≤ T."""
    shorts: int = 0
    """Abandoned with wait < S."""
    ended: int = 0
    """Answered stints whose call ended (talk known)."""
    talk_sum: int = 0
    handle_sum: int = 0
    """Talk + measured wrap-up of those."""
    transfers: int = 0
    asterisk_abandoned: int = 0
    asterisk_within: int = 0
    answered_by_wait: list[int] = field(default_factory=_no_waits)
    """Answered stints with a known wait, per bucket of :data:`WAIT_BUCKETS`."""
    abandoned_by_wait: list[int] = field(default_factory=_no_waits)
    """Abandoned stints with a known wait, per bucket."""

    def add(self, other: Totals) -> None:
        """Add ``other``'s stints to these."""
        self.offered += other.offered
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] += count
        for reason, count in other.blocked.items():
            self.blocked[reason] += count
        if other.wait_max is not None:
            self.wait_max = max(self.wait_max or 0, other.wait_max)
        self.waits += other.waits
        self.wait_sum += other.wait_sum
        self.answer_waits += other.answer_waits
        self.answer_wait_sum += other.answer_wait_sum
        self.within += other.within
        self.shorts += other.shorts
        self.ended += other.ended
        self.talk_sum += other.talk_sum
        self.handle_sum += other.handle_sum
        self.transfers += other.transfers
        self.asterisk_abandoned += other.asterisk_abandoned
        self.asterisk_within += other.asterisk_within
        self.answered_by_wait = list(map(add, self.answered_by_wait, other.answered_by_wait))
        self.abandoned_by_wait = list(map(add, self.abandoned_by_wait, other.abandoned_by_wait))


def totals_of(
    stints: Iterable[Stint],
    blocked: Iterable[Blocked] = (),
    rules: QueueRules = QueueRules(),
    wrapup: Callable[[Stint], int] = lambda _stint: 0,
) -> Totals:
    """The totals of ``stints`` and ``blocked`` calls under ``rules``."""
    totals = Totals()
    level, short = rules.service_level, rules.short_abandon
    for stint in stints:
        totals.offered += 1
        outcome, wait = stint.outcome, stint.wait
        if outcome is not None:
            totals.outcomes[outcome] += 1
        if wait is not None:
            totals.waits += 1
            totals.wait_sum += wait
            totals.wait_max = wait if totals.wait_max is None else max(totals.wait_max, wait)
        if outcome is Outcome.ANSWERED:
            if wait is not None:
                totals.answer_waits += 1
                totals.answer_wait_sum += wait
                totals.within += wait <= level
                totals.answered_by_wait[wait_bucket(wait)] += 1
            if stint.talk is not None:
                totals.ended += 1
                totals.talk_sum += stint.talk
                totals.handle_sum += stint.talk + wrapup(stint)
            totals.transfers += stint.transferred
        elif outcome in ASTERISK_ABANDONS:
            totals.asterisk_abandoned += 1
            totals.asterisk_within += wait is not None and wait <= level
        if outcome is Outcome.ABANDONED and wait is not None:
            totals.abandoned_by_wait[wait_bucket(wait)] += 1
            if short is not None:
                totals.shorts += wait < short
    for call in blocked:
        totals.blocked[call.reason] += 1
    return totals


def _ratio(total: int, count: int) -> float | None:
    return None if not count else round(total / count, 2)


def figures_from(queue: str, start: datetime, totals: Totals, rules: QueueRules) -> QueueFigures:
    """A queue's figures for one period from its totals: the definitions of docs/statistics.md."""
    count = totals.outcomes
    waiting = totals.offered - sum(count.values())
    answered = count[Outcome.ANSWERED]
    return QueueFigures(
        queue=queue,
        start=start,
        offered=totals.offered,
        answered=answered,
        abandoned=count[Outcome.ABANDONED],
        timed_out=count[Outcome.TIMED_OUT],
        key_exits=count[Outcome.KEY_EXIT],
        exit_empty=count[Outcome.EXIT_EMPTY],
        withdrawn=count[Outcome.WITHDRAWN],
        failed=count[Outcome.FAILED],
        waiting=waiting,
        blocked={str(reason): totals.blocked[reason] for reason in REASONS},
        short_abandons=totals.shorts,
        answered_within_sl=totals.within,
        sl_pct=_pct(totals.within, totals.offered - waiting - totals.shorts),
        asa_s=_ratio(totals.answer_wait_sum, totals.answer_waits),
        avg_wait_s=_ratio(totals.wait_sum, totals.waits),
        max_wait_s=totals.wait_max,
        talk_s=totals.talk_sum,
        aht_s=_ratio(totals.handle_sum, totals.ended),
        transfers=totals.transfers,
        asterisk_sl2_pct=_pct(
            totals.asterisk_within + totals.within, totals.asterisk_abandoned + answered
        ),
        qos_pct=_pct(totals.within, answered),
        service_level_s=rules.service_level,
        answered_by_wait=dict(zip(WAIT_BUCKETS, totals.answered_by_wait, strict=True)),
        abandoned_by_wait=dict(zip(WAIT_BUCKETS, totals.abandoned_by_wait, strict=True)),
    )


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
    return figures_from(queue, start, totals_of(stints, blocked, rules, wrapup), rules)


@dataclass
class _Bucket:
    stints: list[Stint] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)


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


__all__ = [
    "WAIT_BOUNDS",
    "WAIT_BUCKETS",
    "QueueFigures",
    "QueueRules",
    "queue_figures",
    "tally",
    "wait_bucket",
]
