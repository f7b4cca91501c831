"""Calling windows are kept in the callee's local time, in every zone the number may be
in, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from crm_core.campaigns.windows import (
    UNKNOWN_ZONE_MARGIN,
    WindowError,
    is_open,
    narrow,
    next_open,
    parse_windows,
    plan_for,
    zones_for_number,
)

EIGHT_TO_NINE = parse_windows(
    {day: [["08:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
NEW_YORK = "+12125550123"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_new_york_number_is_judged_in_new_york_only() -> None:
    assert zones_for_number(NEW_YORK) == ("America/New_York",)


def test_an_800_number_has_many_zones_and_is_open_only_when_open_in_all() -> None:
    plan = plan_for(
        lead_zone=None, phone="+18005550123", campaign_zone="UTC", windows=EIGHT_TO_NINE
    )
    assert len(plan.zones) > 10
    # 13:30 UTC is 08:30 in New York but still night on the west coast.
    assert not is_open(plan, utc(2026, 6, 10, 13, 30))
    opens = next_open(plan, utc(2026, 6, 10, 13, 30))
    assert opens is not None
    assert all(time(8) <= opens.astimezone(ZoneInfo(zone)).time() < time(21) for zone in plan.zones)


def test_the_lead_zone_wins_over_the_number_zones() -> None:
    plan = plan_for(
        lead_zone="Europe/London", phone=NEW_YORK, campaign_zone="UTC", windows=EIGHT_TO_NINE
    )
    assert plan.zones == ("Europe/London",)
    assert not plan.narrowed


def test_an_unknown_zone_uses_the_campaign_zone_with_a_window_narrowed_at_both_ends() -> None:
    # +882 (international networks) has no geography: the library says Etc/Unknown.
    assert zones_for_number("+88213200") == ()
    plan = plan_for(
        lead_zone=None, phone="+88213200", campaign_zone="Asia/Shanghai", windows=EIGHT_TO_NINE
    )
    assert plan.narrowed and plan.zones == ("Asia/Shanghai",)
    assert plan.windows["mon"] == [(time(9), time(20))]
    assert UNKNOWN_ZONE_MARGIN.total_seconds() == 3600


def test_a_span_shorter_than_two_margins_is_dropped_when_narrowed() -> None:
    assert narrow(parse_windows({"mon": [["12:00", "13:30"]]})) == {"mon": []}
    assert narrow(parse_windows({"mon": [["00:00", "00:30"], ["23:10", "23:59"]]})) == {"mon": []}


@pytest.mark.parametrize(
    ("before", "after_opens"),
    [
        # Spring forward on Sunday 2026-03-08: 08:00 EST is 13:00 UTC, 08:00 EDT is 12:00 UTC.
        (utc(2026, 3, 7, 2, 0), utc(2026, 3, 7, 13, 0)),
        (utc(2026, 3, 8, 2, 0), utc(2026, 3, 8, 12, 0)),
        # Fall back on Sunday 2026-11-01: 08:00 EDT is 12:00 UTC, 08:00 EST is 13:00 UTC.
        (utc(2026, 10, 31, 2, 0), utc(2026, 10, 31, 12, 0)),
        (utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 13, 0)),
    ],
)
def test_the_window_opens_at_eight_new_york_time_on_both_sides_of_a_dst_change(
    before: datetime, after_opens: datetime
) -> None:
    plan = plan_for(lead_zone=None, phone=NEW_YORK, campaign_zone="UTC", windows=EIGHT_TO_NINE)
    assert next_open(plan, before) == after_opens


def test_the_window_closes_at_nine_pm_local_after_the_spring_change() -> None:
    plan = plan_for(lead_zone=None, phone=NEW_YORK, campaign_zone="UTC", windows=EIGHT_TO_NINE)
    assert is_open(plan, utc(2026, 3, 9, 0, 59))  # 20:59 EDT on the 8th
    assert not is_open(plan, utc(2026, 3, 9, 1, 0))  # 21:00 EDT
    assert next_open(plan, utc(2026, 3, 9, 1, 0)) == utc(2026, 3, 9, 12, 0)


def test_a_window_only_on_weekdays_skips_the_weekend() -> None:
    weekdays = parse_windows(
        {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    plan = plan_for(
        lead_zone="Asia/Shanghai", phone="+8613812345678", campaign_zone="UTC", windows=weekdays
    )
    # Friday 2026-03-06 18:00 Shanghai → Monday 09:00 Shanghai (01:00 UTC).
    assert next_open(plan, utc(2026, 3, 6, 10, 0)) == utc(2026, 3, 9, 1, 0)


def test_no_open_hours_at_all_gives_no_next_time() -> None:
    plan = plan_for(lead_zone="UTC", phone=NEW_YORK, campaign_zone="UTC", windows={})
    assert next_open(plan, utc(2026, 3, 2)) is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"mon": [["10:00", "09:00"]]}, "windows.mon[0]"),
        ({"mon": [["09:00", "09:00"]]}, "windows.mon[0]"),
        ({"mon": [["9", "10:00"]]}, "windows.mon[0]"),
        ({"mon": [["09:00", "24:00"]]}, "windows.mon[0]"),
        ({"monday": [["09:00", "10:00"]]}, "windows.monday"),
        ({"tue": "09:00-10:00"}, "windows.tue"),
    ],
)
def test_a_bad_window_is_refused_naming_its_day_and_span(
    raw: dict[str, object], field: str
) -> None:
    with pytest.raises(WindowError) as caught:
        parse_windows(raw)
    assert caught.value.field == field
