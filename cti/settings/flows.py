"""Settings of the call flows the service drives: the IVR, the outbound dialer and the
member-card readers."""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
)

from cti.settings.base import (
    _Section,
)
from ivr.hours import DAYS, parse_span

SurveyPolicy = Literal["always", "opt-in", "never"]


class IvrSettings(_Section):
    """The IVR flows: PIN lock-out, hours and holidays, menu, survey policy, prompts."""

    max_pin_attempts: int = Field(
        3, ge=1, le=10, description="Wrong PINs in a row that lock the self-service."
    )
    lockout_minutes: int = Field(
        30, ge=1, description="Minutes a number and a member stay locked out."
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of the opening hours.")
    hours: dict[str, str] = Field(
        default_factory=dict,
        description='Weekday → "HH:MM-HH:MM" opening span; a missing day is closed; empty = 24/7.',
    )
    holidays: list[str] = Field(
        default_factory=list, description="Dates (YYYY-MM-DD) the centre is closed all day."
    )
    menu: dict[str, str] = Field(
        default_factory=dict, description="Keypad digit → queue of the inbound menu."
    )
    default_queue: str = Field(
        "hotline", min_length=1, description="Queue when the caller picks nothing."
    )
    survey: dict[str, SurveyPolicy] = Field(
        default_factory=dict, description="Queue → post-call survey policy."
    )
    survey_default: SurveyPolicy = Field(
        "opt-in", description="Survey policy of queues not listed in `survey`."
    )
    voicemail_box: str = Field(
        "1000@ctidesk", pattern=r"^[0-9]+@[A-Za-z0-9_-]+$", description="After-hours mailbox."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Languages whose sound files are installed; the first is the fallback.",
    )
    keypad_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds a keypad read waits for the caller."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone

    @field_validator("hours")
    @classmethod
    def _spans(cls, hours: dict[str, str]) -> dict[str, str]:
        for day, span in hours.items():
            if day not in DAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(DAYS)}")
            parse_span(span)
        return hours

    @field_validator("holidays")
    @classmethod
    def _dates(cls, holidays: list[str]) -> list[str]:
        for text in holidays:
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"holiday {text!r} is not a date like 2026-10-01") from None
        return holidays

    @field_validator("menu")
    @classmethod
    def _keys(cls, menu: dict[str, str]) -> dict[str, str]:
        for key in menu:
            if len(key) != 1 or not key.isdigit():
                raise ValueError(f"menu key {key!r} must be one digit")
        return menu


class DialerSettings(_Section):
    """The outbound dialer: how callees are reached, lines, leases."""

    trunk: str = Field(
        "PJSIP/{number}@loopback-carrier",
        min_length=1,
        description="Callee channel; {number} is the E.164 number without '+'.",
    )
    ring_seconds: int = Field(
        25, ge=15, le=120, description="Seconds an unanswered callee rings (at least 15)."
    )
    lines_per_agent: int = Field(3, ge=1, le=10, description="Calls in flight per agent, at most.")
    max_lines: int = Field(60, ge=1, description="Calls in flight per campaign, at most.")
    lease_seconds: float = Field(
        15.0, ge=3, le=300, description="Life of a campaign's dialer lease (renewed at a third)."
    )
    tick_seconds: float = Field(
        1.0, gt=0, le=10, description="Seconds between a dialer's looks when nothing wakes it."
    )

    @field_validator("trunk")
    @classmethod
    def _has_number(cls, trunk: str) -> str:
        if "{number}" not in trunk or any(c in trunk for c in "\r\n"):
            raise ValueError("trunk must contain {number} and no line break")
        return trunk


CardReaders = Literal["auto", "off"]


class CardsSettings(_Section):
    """Member-card readers at desks and service counters (docs/cards.md)."""

    readers: CardReaders = Field(
        "auto",
        description="auto: the console watches the desk's PC/SC readers itself when pyscard "
        "is installed; off: it never does (run 'ctidesk cards watch' instead, or no readers).",
    )
    tap_verifies_minutes: int = Field(
        5,
        ge=0,
        le=60,
        description="Minutes a member's active card tapped at an operator's desk verifies the "
        "member for that operator's redemptions (0: taps never verify).",
    )


__all__ = [
    "CardReaders",
    "CardsSettings",
    "DialerSettings",
    "IvrSettings",
    "SurveyPolicy",
]
