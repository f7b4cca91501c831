"""Opening hours, holidays and the next opening (pure); the IVR's PIN and survey rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm_core.selfservice.exceptions import InvalidPinError
from crm_core.selfservice.pins import check_new_pin, number_tail, well_formed_code
from ivr.config import IvrConfig
from ivr.hours import OpeningHours, parse_span

# Monday 2026-03-02; Shanghai is UTC+8.
WEEKDAYS = {"mon": "09:00-18:00", "tue": "09:00-18:00", "sat": "10:00-24:00"}
HOURS = OpeningHours.parse(WEEKDAYS, [date(2026, 3, 3)], "Asia/Shanghai")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (utc(2, 0, 59), False),  # Monday 08:59 in Shanghai
        (utc(2, 1), True),  # 09:00
        (utc(2, 9, 59), True),  # 17:59
        (utc(2, 10), False),  # 18:00: closed
        (utc(3, 3), False),  # Tuesday, but a holiday
        (utc(4, 3), False),  # Wednesday: no hours
        (utc(7, 15, 59), True),  # Saturday 23:59, open until midnight
    ],
)
def test_open_within_the_days_span_in_the_centres_time_zone(at: datetime, is_open: bool) -> None:
    assert HOURS.is_open(at) is is_open


def test_the_next_opening_skips_holidays_and_closed_days() -> None:
    # Monday 19:00 Shanghai → Tuesday is a holiday, Wednesday-Friday closed → Saturday 10:00.
    assert HOURS.next_opening(utc(2, 11)) == utc(7, 2)
    assert HOURS.next_opening(utc(2, 0)) == utc(2, 1)  # Monday 08:00 → 09:00 the same day


def test_no_hours_means_always_open_but_holidays_still_close() -> None:
    always = OpeningHours.parse({}, [date(2026, 3, 3)], "UTC")
    assert always.is_open(utc(4, 3))
    assert not always.is_open(utc(3, 3))


@pytest.mark.parametrize("text", ["9-18", "18:00-09:00", "09:00-24:30", "25:00-26:00"])
def test_malformed_spans_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="opening hours"):
        parse_span(text)


def test_an_unknown_weekday_is_refused() -> None:
    with pytest.raises(ValueError, match="weekday"):
        OpeningHours.parse({"monday": "09:00-18:00"}, [], "UTC")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "0000", "1234", "9876", " 2580"])
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(InvalidPinError):
        check_new_pin(pin)


def test_a_good_pin_and_the_number_tail() -> None:
    assert check_new_pin("2580") == "2580"
    assert number_tail("I-00001234") == "1234"
    assert well_formed_code("12345678")
    assert not well_formed_code("12#4")


def test_survey_policy_per_queue_and_the_agents_opt_in() -> None:
    config = IvrConfig(survey_policy={"vip": "always", "pc-digital": "never"})
    assert config.survey_wanted("vip", opted_in=False)
    assert not config.survey_wanted("pc-digital", opted_in=True)
    assert not config.survey_wanted("hotline", opted_in=False)  # default: opt-in
    assert config.survey_wanted("hotline", opted_in=True)


def test_the_members_language_only_when_its_sounds_are_installed() -> None:
    config = IvrConfig(languages=("en", "zh"))
    assert config.language_for("zh") == "zh"
    assert config.language_for("fr") == "en"
    assert config.language_for(None) == "en"
