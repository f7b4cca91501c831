"""What the 360° view returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_core.calls.models import Direction
from crm_core.calls.schemas import CallActivity, CallServiceRequest
from crm_core.loyalty.schemas import PointsSummary
from crm_core.members.schemas import CardView, MemberView
from crm_core.orders.services import OrderView
from crm_core.service_desk.views import AssetView, RequestBrief


@dataclass(frozen=True)
class CallBrief:
    """One of the member's last calls, with the notes and requests recorded on it."""

    linked_id: str
    direction: Direction
    caller: str
    queue: str | None
    agent: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: int
    abandoned: bool
    disposition_code: str | None
    disposition_note: str | None
    activities: tuple[CallActivity, ...]
    service_requests: tuple[CallServiceRequest, ...]


@dataclass(frozen=True)
class SurveyScore:
    """The member's last completed survey and its score (mean of option scores, ratings)."""

    questionnaire: str
    completed_at: datetime
    score: Decimal | None


@dataclass(frozen=True)
class Member360:
    """A member's profile with everything around it, as the screen pop shows it."""

    profile: MemberView
    cards: tuple[CardView, ...]
    points: PointsSummary
    last_orders: tuple[OrderView, ...]
    open_requests: tuple[RequestBrief, ...]
    last_calls: tuple[CallBrief, ...]
    last_survey: SurveyScore | None
    assets: tuple[AssetView, ...]
