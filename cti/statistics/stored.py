"""Stints stored beside the lines, and reports summed from them by the database.

:func:`rebuild_stints` is what the store runs, in the transaction that stores a call's
lines, to recompute that call's stints (``cti.kpi``'s definitions); a report then asks
the database for totals per queue and quarter hour (:class:`SlotTotals`) and adds them
up into its periods with :class:`cti.kpi.figures.Totals`, whose figures are those of
the lines (``tests/cti/statistics/test_stored_stints.py`` checks both ways agree).
A quarter hour of UTC lies in one local period of 15 minutes or more in every time zone
in use (their offsets are whole quarter hours).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from crm_core.queue_log.stints import SLOT, CallLines, SlotTotals, StintRow
from cti.kpi import (
    AgentBook,
    Interval,
    QueueLogError,
    QueueLogLine,
    StintBook,
    period_start,
)
from cti.kpi.figures import OUTCOMES, REASONS, QueueRules, Totals
from cti.kpi.stints import ASTERISK_ABANDONS

log = logging.getLogger(__name__)
ASTERISK_ABANDONED = tuple(outcome.value for outcome in ASTERISK_ABANDONS)


def rebuild_stints(lines: Sequence[CallLines]) -> list[StintRow]:
    """The stints and blocked calls of the calls whose lines these are (in order)."""
    parsed = [
        QueueLogLine(ln.time, ln.call_id, ln.queue, ln.agent, ln.event,
                     tuple(ln.data.split("|")) if ln.data else ())
        for ln in lines
    ]  # fmt: skip
    book, agents = StintBook(), AgentBook()
    for line in parsed:
        try:
            book.feed(line)
            if line.event == "WRAPUPEND":
                agents.feed(line)
        except QueueLogError as error:  # stored, so kept; counted as the reports count it
            log.warning("queue_log: a line left out of the stints: %s", error)
    rows = [
        StintRow(s.call_id, s.queue, s.entered_at, s.outcome.value if s.outcome else None,
                 None, s.wait, s.talk, round(agents.wrapup_of(s)), s.agent, s.transferred,
                 s.inferred)
        for s in book.stints
    ]  # fmt: skip
    rows += [
        StintRow(b.call_id, b.queue, b.at, None, b.reason.value, None, None, 0, None, False, False)
        for b in book.blocked
    ]
    return rows


def totals(slot: SlotTotals) -> Totals:
    """One queue's quarter hour as :class:`Totals`."""
    return Totals(
        offered=slot.offered,
        outcomes={outcome: slot.outcomes[outcome] for outcome in OUTCOMES},
        blocked={reason: slot.blocked[reason] for reason in REASONS},
        waits=slot.waits, wait_sum=slot.wait_sum, wait_max=slot.wait_max,
        answer_waits=slot.answer_waits, answer_wait_sum=slot.answer_wait_sum,
        within=slot.within, shorts=slot.shorts, ended=slot.ended, talk_sum=slot.talk_sum,
        handle_sum=slot.handle_sum, transfers=slot.transfers,
        asterisk_abandoned=slot.asterisk_abandoned, asterisk_within=slot.asterisk_within,
        answered_by_wait=slot.answered_by_wait, abandoned_by_wait=slot.abandoned_by_wait,
    )  # fmt: skip


def by_period(
    slots: Sequence[SlotTotals], interval: Interval, zone: ZoneInfo
) -> dict[tuple[str, datetime], Totals]:
    """The quarter hours added up into each queue's periods of ``interval``."""
    starts: dict[int, datetime] = {}
    periods: dict[tuple[str, datetime], Totals] = {}
    for slot in slots:
        start = starts.get(slot.slot)
        if start is None:
            start = starts[slot.slot] = period_start(slot.slot * SLOT, interval, zone)
        periods.setdefault((slot.queue, start), Totals()).add(totals(slot))
    return periods


def thresholds(
    queues: Sequence[str], rules: Callable[[str], QueueRules]
) -> tuple[dict[str, int], dict[str, int]]:
    """Each queue's service level and, where it has one, short-abandon threshold."""
    chosen = {queue: rules(queue) for queue in queues}
    levels = {queue: rule.service_level for queue, rule in chosen.items()}
    shorts = {q: rule.short_abandon for q, rule in chosen.items() if rule.short_abandon is not None}
    return levels, shorts


__all__ = ["ASTERISK_ABANDONED", "by_period", "rebuild_stints", "thresholds", "totals"]
