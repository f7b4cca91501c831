"""Report intervals: which period a moment falls in, in the site's time zone (stdlib only).

Minute intervals (15 min, 30 min, 1 h) cut local wall-clock time; a day starts at local
midnight, a week on Monday at local midnight, a month on its first day. Local time is
taken from the zone's rules at each moment, so a day across a DST change has 23 or 25
hours and its periods still start on the hour.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class Interval(enum.StrEnum):
    """A report's period length."""

    MIN15 = "15m"
    MIN30 = "30m"
    HOUR = "1h"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


MINUTES = {Interval.MIN15: 15, Interval.MIN30: 30, Interval.HOUR: 60}


def period_start(at: float, interval: Interval, zone: ZoneInfo) -> datetime:
    """The local start of the period of ``interval`` that the epoch time ``at`` falls in."""
    local = datetime.fromtimestamp(at, UTC).astimezone(zone)
    if interval in MINUTES:
        size = MINUTES[interval]
        start = local.replace(minute=local.minute - local.minute % size, second=0, microsecond=0)
    else:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
        if interval is Interval.WEEK:
            start -= timedelta(days=start.weekday())  # wall-clock arithmetic: still midnight
        elif interval is Interval.MONTH:
            start = start.replace(day=1)
    return start  # zoneinfo gives the offset of the start's own wall time (and fold)


__all__ = ["MINUTES", "Interval", "period_start"]
