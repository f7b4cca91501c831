"""A member as the console sees one: the screen pop's summary and the 360° view.

The service fills these from the CRM's 360° view in one place
(``cti.screen_pop.lookup.member_summary``); the console reads their attributes. Times and
dates are ISO 8601 text, enumerations their values, a survey score decimal text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProfilePhone:
    """One of the member's phone numbers, in E.164, and its label."""

    e164: str
    label: str


@dataclass(frozen=True)
class MemberProfile:
    """A member's profile: number, name, level, phones and what the CRM knows of them."""

    number: str
    kind: str
    name: str
    phones: tuple[ProfilePhone, ...]
    level: int
    member_type: str | None
    owner: str | None
    gender: str | None = None
    birthday: str | None = None
    email: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    region: str | None = None
    education: str | None = None
    income_band: str | None = None
    job_title: str | None = None
    employer: str | None = None
    language: str = "zh"
    customer_category: str | None = None
    purchase_intent: str | None = None
    product_interest: str | None = None
    external_ref: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None


@dataclass(frozen=True)
class CardHeld:
    """A member card: its number, type and status (``active``, ``lost``…)."""

    card_number: str
    chip_uid: str
    card_type: str | None
    status: str
    member_number: str | None
    replaced_by: str | None
    issued_at: str
    status_changed_at: str


@dataclass(frozen=True)
class ExpiringPoints:
    """Valid points that expire on a date."""

    points: int
    expires_at: str


@dataclass(frozen=True)
class PointsBalance:
    """A member's valid and cumulative points, and those expiring soon."""

    member_number: str
    valid: int
    cumulative: int
    expiring_soon: tuple[ExpiringPoints, ...]


@dataclass(frozen=True)
class OpenRequest:
    """One of the member's open service requests."""

    number: str
    subject: str
    request_type: str
    member_number: str
    priority: int
    status: str
    queue: str | None
    owner: str | None
    created_at: str
    resolution_due: str


@dataclass(frozen=True)
class CallNote:
    """A note (or other activity) an agent recorded on a logged call."""

    id: int
    kind: str
    subject: str | None
    body: str
    created_by: str
    created_at: str


@dataclass(frozen=True)
class CallRequest:
    """A service request opened on a logged call."""

    number: str
    subject: str
    request_type: str
    status: str


@dataclass(frozen=True)
class RecentCall:
    """One of the member's last calls, with the notes and requests recorded on it."""

    linked_id: str
    direction: str
    caller: str
    queue: str | None
    agent: str | None
    started_at: str
    answered_at: str | None
    ended_at: str | None
    talk_seconds: int
    abandoned: bool
    disposition_code: str | None
    disposition_note: str | None
    activities: tuple[CallNote, ...]
    service_requests: tuple[CallRequest, ...]


@dataclass(frozen=True)
class LastSurvey:
    """The member's last completed survey and its score (decimal text, or none)."""

    questionnaire: str
    completed_at: str
    score: str | None


@dataclass(frozen=True)
class AssetOwned:
    """A product the member owns, with its serial and warranty."""

    id: int
    member_number: str
    product_code: str
    product_name: str
    serial: str
    purchase_date: str | None
    warranty_end: str | None


@dataclass(frozen=True)
class MemberSummary:
    """The member a screen pop shows: who, cards, points, open requests, last calls, survey.

    ``number`` … ``member_type`` repeat the profile's for readers of the pop's top level;
    ``other_matches`` are the other members sharing the caller's number.
    """

    number: str
    name: str
    level: int
    member_type: str | None
    other_matches: tuple[str, ...]
    profile: MemberProfile
    cards: tuple[CardHeld, ...]
    points: PointsBalance
    open_requests: tuple[OpenRequest, ...]
    last_calls: tuple[RecentCall, ...]
    last_survey: LastSurvey | None

    @property
    def active_card(self) -> CardHeld | None:
        """The member's active card, else the first one, else none."""
        active = (card for card in self.cards if card.status == "active")
        return next(active, self.cards[0] if self.cards else None)


@dataclass(frozen=True)
class MemberRecord:
    """A member's 360° view as ``GET /api/members/{member_no}`` returns it."""

    profile: MemberProfile
    cards: tuple[CardHeld, ...]
    points: PointsBalance
    open_requests: tuple[OpenRequest, ...]
    last_calls: tuple[RecentCall, ...]
    last_survey: LastSurvey | None
    assets: tuple[AssetOwned, ...]

    def summary(self, other_matches: Sequence[str] = ()) -> MemberSummary:
        """The screen pop's summary of this view (``other_matches`` share the caller's number)."""
        profile = self.profile
        return MemberSummary(
            number=profile.number,
            name=profile.name,
            level=profile.level,
            member_type=profile.member_type,
            other_matches=tuple(other_matches),
            profile=profile,
            cards=self.cards,
            points=self.points,
            open_requests=self.open_requests,
            last_calls=self.last_calls,
            last_survey=self.last_survey,
        )


__all__ = [
    "AssetOwned",
    "CallNote",
    "CallRequest",
    "CardHeld",
    "ExpiringPoints",
    "LastSurvey",
    "MemberProfile",
    "MemberRecord",
    "MemberSummary",
    "OpenRequest",
    "PointsBalance",
    "ProfilePhone",
    "RecentCall",
]
