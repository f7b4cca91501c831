"""Service levels: response and resolution deadlines per (type, priority) and overdue rules.

A request's *response* is its acceptance; its *resolution* is the move to ``resolved``.
Both deadlines count from the moment the request was logged. The table lives in
``service_sla_rules`` (seeded with :data:`DEFAULT_SLA` by the migration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.priority import PRIORITY_NAMES
from crm_core.service_desk.workflow import OPEN_REQUEST, RequestStatus


@dataclass(frozen=True)
class SlaTerms:
    """How long a request of one type and priority may wait for a response and a resolution."""

    response_minutes: int
    resolution_minutes: int


SlaTable = Mapping[tuple[RequestType, int], SlaTerms]

_HOUR, _DAY = 60, 24 * 60
_BASE = {1: SlaTerms(30, 4 * _HOUR), 2: SlaTerms(_HOUR, _DAY), 3: SlaTerms(2 * _HOUR, 2 * _DAY)}
_BASE[4] = SlaTerms(4 * _HOUR, 3 * _DAY)
_ENQUIRY = {1: SlaTerms(15, _HOUR), 2: SlaTerms(30, 4 * _HOUR), 3: SlaTerms(_HOUR, 8 * _HOUR)}
_ENQUIRY[4] = SlaTerms(2 * _HOUR, _DAY)
DEFAULT_SLA: Final[SlaTable] = MappingProxyType(
    {
        (request_type, priority): (_ENQUIRY if request_type is RequestType.ENQUIRY else _BASE)[
            priority
        ]
        for request_type in RequestType
        for priority in PRIORITY_NAMES
    }
)
"""The seeded defaults: urgent = respond in 30 min and resolve in 4 h; enquiries faster."""


def terms_for(table: SlaTable, request_type: RequestType, priority: int) -> SlaTerms:
    """The table's terms; the built-in default where the table has no row."""
    key = (request_type, priority)
    return table.get(key) or DEFAULT_SLA[key]


def due_times(created_at: datetime, terms: SlaTerms) -> tuple[datetime, datetime]:
    """The response and resolution deadlines of a request logged at ``created_at``."""
    return (
        created_at + timedelta(minutes=terms.response_minutes),
        created_at + timedelta(minutes=terms.resolution_minutes),
    )


@dataclass(frozen=True)
class SlaFacts:
    """What the SLA rules need to know about one request."""

    status: RequestStatus
    created_at: datetime
    response_due: datetime
    resolution_due: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None


def overdue_now(facts: SlaFacts, now: datetime) -> tuple[str, ...]:
    """Which deadlines an open request has passed as of ``now``: "response", "resolution"."""
    if facts.status not in OPEN_REQUEST:
        return ()
    kinds = []
    if facts.accepted_at is None and now > facts.response_due:
        kinds.append("response")
    if now > facts.resolution_due:
        kinds.append("resolution")
    return tuple(kinds)


def missed_a_deadline(facts: SlaFacts, now: datetime) -> bool:
    """Whether the request responded or resolved late, or is still open past a deadline."""
    if facts.status is RequestStatus.CANCELLED:
        return False
    responded = facts.accepted_at or now
    resolved = facts.resolved_at or now
    return responded > facts.response_due or resolved > facts.resolution_due
