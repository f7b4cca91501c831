"""Opening hours and holidays of the call centre, and when it next opens (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")


def parse_span(text: str) -> tuple[time, time]:
    """``"09:00-18:00"`` → (09:00, 18:00); the end is after the start, ``24:00`` allowed."""
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"opening hours {text!r} must look like 09:00-18:00")
    start = time(int(match.group(1)), int(match.group(2)))
    end_hour, end_minute = int(match.group(3)), int(match.group(4))
    if end_hour == 24 and end_minute:
        raise ValueError(f"opening hours {text!r} end after 24:00")
    end = time.max if end_hour == 24 else time(end_hour, end_minute)
    if end <= start:
        raise ValueError(f"opening hours {text!r} end before they start")
    return start, end


@dataclass(frozen=True)
class OpeningHours:
    """Opening spans per weekday, holidays (closed all day), in one time zone.

    No spans at all means open around the clock (holidays still close).
    """

    spans: Mapping[int, tuple[time, time]]
    holidays: frozenset[date]
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: Mapping[str, str], holidays: Iterable[date], zone: str) -> OpeningHours:
        """From settings: ``{"mon": "09:00-18:00", …}`` (a missing day is closed)."""
        spans = {}
        for day, text in hours.items():
            if day not in DAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(DAYS)}")
            spans[DAYS.index(day)] = parse_span(text)
        return cls(spans, frozenset(holidays), ZoneInfo(zone))

    def is_open(self, at: datetime) -> bool:
        """Whether the centre is open at ``at`` (an aware time)."""
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        if not self.spans:
            return True
        span = self.spans.get(local.weekday())
        if span is None:
            return False
        return span[0] <= local.time() < span[1] or (
            span[1] == time.max and local.time() >= span[0]
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """When the centre next opens after ``at`` (``None`` if it never opens)."""
        local = at.astimezone(self.zone)
        for offset in range(0, 400):
            day = local.date() + timedelta(days=offset)
            span = self.spans.get(day.weekday()) if self.spans else (time.min, time.max)
            if span is None or day in self.holidays:
                continue
            opening = datetime.combine(day, span[0], self.zone)
            if opening > local:
                return opening
        return None
