"""Calling windows in the callee's time zone: parse, check, find the next open instant.

Pure (no database). A campaign's windows map a weekday (``mon`` … ``sun``) to spans of
local wall-clock time ``["HH:MM", "HH:MM"]``, end after start, within one day (a window
over midnight is two spans on two days). Which zones a lead is judged in:

1. the lead's own zone (from its list, or its member's) when known;
2. else every zone :func:`phonenumbers.timezone.time_zones_for_number` gives for the
   number: the lead is callable only while the window is open in **all** of them;
3. else (the library says ``Etc/Unknown``) the campaign's zone with the window narrowed
   by :data:`UNKNOWN_ZONE_MARGIN` at both ends of every span, since the callee may live an
   hour either side of the campaign (a span shorter than two margins drops out).

Every instant is converted with :mod:`zoneinfo`, so a window holds in local time across a
DST change (08:00 New York is 13:00 UTC in winter and 12:00 UTC in summer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNKNOWN_ZONE_MARGIN = timedelta(hours=1)
"""How much a window is narrowed at each end when the callee's zone is unknown."""
SEARCH_DAYS = 8
"""How far ahead the next open instant is looked for (a week and a day)."""
_ANY_DAY = date(2000, 1, 3)  # a day to do clock arithmetic on
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Span = tuple[time, time]
Windows = Mapping[str, Sequence[Span]]


class WindowError(ValueError):
    """A window or zone that cannot be used; ``field`` names where the problem is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def zone(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone ``name``, or :class:`WindowError` naming ``field``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(field, f"{name!r} is not an IANA time zone") from None


def _clock(text: object, field: str) -> time:
    match = _HHMM.match(text) if isinstance(text, str) else None
    if match is None:
        raise WindowError(field, f"{text!r} is not a time HH:MM (00:00–23:59)")
    return time(int(match[1]), int(match[2]))


def parse_windows(raw: Mapping[str, object]) -> dict[str, list[Span]]:
    """Windows from their JSON form, or :class:`WindowError` naming the day and span."""
    parsed: dict[str, list[Span]] = {}
    for day, spans in raw.items():
        if day not in WEEKDAYS:
            raise WindowError(f"windows.{day}", f"unknown weekday (use {', '.join(WEEKDAYS)})")
        if not isinstance(spans, list | tuple):
            raise WindowError(f"windows.{day}", "must be a list of [start, end] pairs")
        parsed[day] = []
        for index, span in enumerate(spans):
            where = f"windows.{day}[{index}]"
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise WindowError(where, "must be a [start, end] pair")
            start, end = _clock(span[0], where), _clock(span[1], where)
            if end <= start:
                raise WindowError(where, f"ends at {span[1]}, not after its start {span[0]}")
            parsed[day].append((start, end))
        parsed[day].sort()
    return parsed


def windows_json(windows: Windows) -> dict[str, list[list[str]]]:
    """The JSON form of parsed windows (what the campaign row stores)."""
    return {
        day: [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in spans]
        for day, spans in windows.items()
    }


def narrow(windows: Windows, margin: timedelta = UNKNOWN_ZONE_MARGIN) -> dict[str, list[Span]]:
    """Every span shortened by ``margin`` at both ends; spans left empty are dropped."""
    narrowed: dict[str, list[Span]] = {}
    for day, spans in windows.items():
        kept = []
        for start, end in spans:
            begin = datetime.combine(_ANY_DAY, start) + margin
            finish = datetime.combine(_ANY_DAY, end) - margin
            if finish > begin and begin.date() == _ANY_DAY == finish.date():
                kept.append((begin.time(), finish.time()))
        narrowed[day] = kept
    return narrowed


@dataclass(frozen=True)
class ZonePlan:
    """The zones a lead is judged in and the windows that apply there."""

    zones: tuple[str, ...]
    windows: Windows
    narrowed: bool


def zones_for_number(e164: str) -> tuple[str, ...]:
    """The IANA zones the number may be in (empty when the library does not know)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    found = number_zones.time_zones_for_number(parsed)
    usable = []
    for name in found:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        usable.append(name)
    return tuple(sorted(set(usable)))


def plan_for(
    *, lead_zone: str | None, phone: str, campaign_zone: str, windows: Windows
) -> ZonePlan:
    """Where the lead's window is judged: its own zone, its number's zones, or the
    campaign's with a narrowed window (see the module's docstring)."""
    if lead_zone:
        return ZonePlan(zones=(lead_zone,), windows=windows, narrowed=False)
    from_number = zones_for_number(phone)
    if from_number:
        return ZonePlan(zones=from_number, windows=windows, narrowed=False)
    return ZonePlan(zones=(campaign_zone,), windows=narrow(windows), narrowed=True)


def is_open_in(windows: Windows, zone_name: str, at: datetime) -> bool:
    """Whether ``at`` (aware) falls in a span of the window in ``zone_name``'s local time."""
    local = at.astimezone(ZoneInfo(zone_name))
    wall = local.time().replace(tzinfo=None)
    return any(start <= wall < end for start, end in windows.get(WEEKDAYS[local.weekday()], ()))


def is_open(plan: ZonePlan, at: datetime) -> bool:
    """Whether the window is open at ``at`` in every zone of the plan."""
    return all(is_open_in(plan.windows, name, at) for name in plan.zones)


def _span_starts(windows: Windows, zone_name: str, after: datetime) -> Iterable[datetime]:
    """The UTC instants at which a span opens in ``zone_name``, from the day before
    ``after`` for :data:`SEARCH_DAYS` days."""
    tz = ZoneInfo(zone_name)
    first = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS + 1):
        day = first + timedelta(days=offset)
        for start, _end in windows.get(WEEKDAYS[day.weekday()], ()):
            # A start inside a spring-forward gap resolves to the offset before the gap
            # (zoneinfo's fold=0), an instant that is open by the local clock after it.
            yield datetime.combine(day, start, tzinfo=tz).astimezone(UTC)


def next_open(plan: ZonePlan, after: datetime) -> datetime | None:
    """The first instant at or after ``after`` when the window is open in every zone of
    the plan, or None if there is none within :data:`SEARCH_DAYS` days.

    The intersection of the zones' windows opens either at ``after`` itself or when one
    zone's span opens, so those instants are the only candidates to check.
    """
    after = after.astimezone(UTC)
    candidates = {after}
    for name in plan.zones:
        candidates.update(moment for moment in _span_starts(plan.windows, name, after))
    for moment in sorted(candidate for candidate in candidates if candidate >= after):
        if is_open(plan, moment):
            return moment
    return None
