"""What the statistics routes take: the days, the period, a queue or an agent, the zone."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from cti.http.schemas import QUEUE_NAME, Line, RequestBody
from cti.kpi import Interval


class StatsQuery(RequestBody):
    """Whole days ``from``..``to`` (default: ``from``) in ``zone``, by ``interval``."""

    first: Annotated[date, Field(alias="from", description="first day, YYYY-MM-DD")]
    last: Annotated[date | None, Field(alias="to", description="last day (default: from)")] = None
    interval: Interval = Interval.HOUR
    queue: str | None = Field(None, pattern=QUEUE_NAME)
    agent: Line | None = Field(None, max_length=128, description="the member name in queue_log")
    zone: Line | None = Field(None, max_length=64, description="time zone (default: the site's)")
    short_abandon: int | None = Field(
        None, ge=1, le=600, description="abandons under this many seconds are short"
    )
