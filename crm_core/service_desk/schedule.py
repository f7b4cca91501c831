"""Pure date rules of active service plans: birthdays in a window (29 February included)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def birthday_in(year: int, birthday: date) -> date:
    """The birthday's date in ``year``; 29 February is kept on 28 February in common years."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def next_birthday(birthday: date, today: date) -> date:
    """The first birthday on or after ``today``."""
    this_year = birthday_in(today.year, birthday)
    return this_year if this_year >= today else birthday_in(today.year + 1, birthday)


def birthday_due(birthday: date, today: date, within_days: int) -> date | None:
    """The next birthday if it falls within ``[today, today + within_days]``, else None."""
    upcoming = next_birthday(birthday, today)
    return upcoming if upcoming <= today + timedelta(days=within_days) else None


def month_days_within(today: date, within_days: int) -> frozenset[int]:
    """``month * 100 + day`` of every birthday that can fall in the window.

    A pre-filter for the database: 29 February joins the set when 28 February of a
    common year is in the window, since such birthdays are kept on the 28th.
    """
    keys = set()
    for offset in range(min(within_days, 366) + 1):
        day = today + timedelta(days=offset)
        keys.add(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            keys.add(229)
    return frozenset(keys)
