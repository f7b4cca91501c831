"""The campaign routes' responses the console reads (standard library only).

``GET /api/campaigns`` (a supervisor's wall-board panel before the first push), the agents'
preview desk (``/api/preview/…``) and ``POST /api/do-not-call``. Each class declares what
the console reads and what identifies the resource; the rest is ignored when decoding.
Rates are fractions (0.03 is 3 %), times ISO 8601 text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cti.protocol.member import MemberRecord


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign's definition, as far as a console shows it."""

    id: int
    name: str
    mode: str
    status: str
    queue: str | None
    abandon_target: float
    script: str | None = None
    dispositions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignFigures:
    """A campaign and how it is going: the rolling abandon rates and the runner's counts.

    The counts are those of the runner in the service process that answered (zero when
    the campaign dials elsewhere or not at all: ``dialling_here`` False).
    """

    campaign: CampaignInfo
    abandon_rate_30d: float
    abandon_rate_24h: float
    dialling_here: bool
    dialled: int
    answered: int
    connected: int
    abandoned: int
    machines: int
    in_flight: int


@dataclass(frozen=True)
class CampaignFiguresList:
    """``GET /api/campaigns``: every campaign with its figures."""

    campaigns: tuple[CampaignFigures, ...]


@dataclass(frozen=True)
class CampaignCallback:
    """A call-back of a lead an agent scheduled: its owner, when it is due, the note."""

    id: int
    campaign_id: int
    phone: str
    owner_login: str
    due_at: str
    note: str | None
    status: str


@dataclass(frozen=True)
class PreviewLead:
    """A lead claimed for the agent: the number, the member's 360° view, the script."""

    attempt_id: str
    campaign_id: int
    campaign_name: str
    phone: str
    name: str | None
    member_number: str | None
    member: MemberRecord | None
    script: str | None
    dispositions: tuple[str, ...]
    callback: CampaignCallback | None
    """The call-back this lead is offered for, if any."""
    dialling: bool
    ended: bool
    result: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviewOffer:
    """``POST /api/preview/next``: the lead to show now, or none (nothing callable now)."""

    lead: PreviewLead | None


@dataclass(frozen=True)
class PreviewDialled:
    """``POST /api/preview/{id}/dial``: the agent's phone rings, the callee follows."""

    attempt_id: str
    call_id: str
    phone: str


@dataclass(frozen=True)
class PreviewSkipped:
    """``POST /api/preview/{id}/skip``: the lead given back, and its status now."""

    attempt_id: str
    reason: str
    lead_status: str


@dataclass(frozen=True)
class DoNotCallEntry:
    """``POST /api/do-not-call``: the number suppressed, where, why, by whom, until when."""

    phone: str
    campaign_id: int | None
    reason: str
    created_by: str
    expires_at: str | None


__all__ = [
    "CampaignCallback",
    "CampaignFigures",
    "CampaignFiguresList",
    "CampaignInfo",
    "DoNotCallEntry",
    "PreviewDialled",
    "PreviewLead",
    "PreviewOffer",
    "PreviewSkipped",
]
