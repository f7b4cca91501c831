"""What an agent records during a call, tied to the call's record once the call log has it.

A note, a service request or a survey response made while a call is live names the
call by Asterisk's linked id, but the call's record is written only when the call ends.
Such a row keeps the linked id in ``call_linked_id`` with an empty ``call_id``
(pending); :func:`link_pending` fills ``call_id`` in the very transaction that writes
the record, so the link cannot be lost between the two. On PostgreSQL both sides first
take a transaction lock on the linked id (:func:`lock_call`): a row made while the record
is being written waits for it and links at once, or is seen by the record's write.

A pending row whose member differs from the record's member is not linked (it stays
pending, with a warning in the log): a call is never tied to another member's note.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from crm_core.activities.models import Activity, ActivityKind
from crm_core.calls.exceptions import CallOfAnotherMemberError
from crm_core.calls.models import CallRecord
from crm_core.calls.schemas import CallActivity, CallServiceRequest
from crm_core.service_desk.common import REQUEST_PREFIX, public_number
from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.models import ServiceRequest
from crm_core.service_desk.workflow import RequestStatus
from crm_core.surveys.models import SurveyResponse

log = logging.getLogger(__name__)
_Linkable = type[Activity] | type[ServiceRequest] | type[SurveyResponse]
#: Call record ids, as a list or as a subquery (the 360° view's last calls).
CallIds = list[int] | ScalarSelect[int]


def lock_call(session: Session, linked_id: str) -> None:
    """Serialise, on PostgreSQL, the writes that create or link to call ``linked_id``.

    SQLite has one writer at a time already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(linked_id, 0))))


def call_for(session: Session, linked_id: str | None, member_id: int | None) -> int | None:
    """The record id of call ``linked_id``, or ``None`` while the call log has no record.

    :class:`CallOfAnotherMemberError` if the record belongs to another member than
    ``member_id`` (a record without a member, or no member given, may be anyone's).
    """
    if linked_id is None:
        return None
    lock_call(session, linked_id)
    row = session.execute(
        select(CallRecord.id, CallRecord.member_id).where(CallRecord.linked_id == linked_id)
    ).one_or_none()
    if row is None:
        return None
    call_id, call_member_id = row
    if None not in (call_member_id, member_id) and call_member_id != member_id:
        raise CallOfAnotherMemberError(
            f"call {linked_id} is another member's call", call_linked_id=linked_id
        )
    return int(call_id)


def _pending(
    session: Session, model: _Linkable, linked_id: str
) -> list[tuple[int, int | None, int]]:
    """``(id, member id, questionnaire id or 0)`` of the rows waiting for the call."""
    group = model.questionnaire_id if model is SurveyResponse else literal(0)
    rows = session.execute(
        select(model.id, model.member_id, group)
        .where(model.call_linked_id == linked_id, model.call_id.is_(None))
        .order_by(model.id)
    ).all()
    return [(row_id, member_id, questionnaire_id) for row_id, member_id, questionnaire_id in rows]


def _link(session: Session, model: _Linkable, row_ids: list[int], record: CallRecord) -> None:
    if row_ids:
        session.execute(update(model).where(model.id.in_(row_ids)).values(call_id=record.id))


def _mine(record: CallRecord, model: _Linkable, row_id: int, member_id: int | None) -> bool:
    if None in (record.member_id, member_id) or record.member_id == member_id:
        return True
    log.warning(
        "%s %d stays pending: made for member id %s, but call %s is member id %s's",
        model.__tablename__, row_id, member_id, record.linked_id, record.member_id,
    )  # fmt: skip
    return False


def _any_pending(session: Session, linked_id: str) -> bool:
    """Whether anything waits for call ``linked_id``: one statement for the usual "no"."""
    waiting = [
        exists().where(model.call_linked_id == linked_id, model.call_id.is_(None))
        for model in (Activity, ServiceRequest, SurveyResponse)
    ]
    return bool(session.scalar(select(or_(*waiting))))


def link_pending(session: Session, record: CallRecord) -> int:
    """Tie the rows waiting for ``record``'s call to it; how many were tied.

    A call keeps at most one survey response per questionnaire: a second one stays
    pending rather than fail the record's write. Most calls have nothing waiting: that
    costs one statement (the call log's write is on the screen pop's critical machine).
    """
    if not _any_pending(session, record.linked_id):
        return 0
    taken = set(
        session.scalars(
            select(SurveyResponse.questionnaire_id).where(SurveyResponse.call_id == record.id)
        )
    )
    tied = 0
    for model in (Activity, ServiceRequest, SurveyResponse):
        mine: list[int] = []
        for row_id, member_id, questionnaire_id in _pending(session, model, record.linked_id):
            if questionnaire_id not in taken and _mine(record, model, row_id, member_id):
                mine.append(row_id)
                if model is SurveyResponse:
                    taken.add(questionnaire_id)
        _link(session, model, mine, record)
        tied += len(mine)
    return tied


@dataclass(frozen=True)
class CallLinks:
    """The activities and service requests tied to each call record, by record id."""

    activities: dict[int, tuple[CallActivity, ...]]
    service_requests: dict[int, tuple[CallServiceRequest, ...]]


def activities_of_calls(
    call_ids: CallIds,
) -> Select[int | None, int, ActivityKind, str | None, str, str, datetime]:
    """The activities tied to the calls ``call_ids`` selects, oldest first."""
    return (
        select(
            Activity.call_id, Activity.id, Activity.kind, Activity.subject, Activity.body,
            Activity.created_by, Activity.created_at,
        )
        .where(Activity.call_id.in_(call_ids))
        .order_by(Activity.created_at, Activity.id)
    )  # fmt: skip


def requests_of_calls(
    call_ids: CallIds,
) -> Select[int | None, int, str, RequestType, RequestStatus]:
    """The service requests tied to the calls ``call_ids`` selects, oldest first."""
    return (
        select(
            ServiceRequest.call_id, ServiceRequest.id, ServiceRequest.subject,
            ServiceRequest.request_type, ServiceRequest.status,
        )
        .where(ServiceRequest.call_id.in_(call_ids))
        .order_by(ServiceRequest.id)
    )  # fmt: skip


def call_links(
    activity_rows: Iterable[Sequence[Any]], request_rows: Iterable[Sequence[Any]]
) -> CallLinks:
    """Rows of :func:`activities_of_calls` and :func:`requests_of_calls`, grouped by call."""
    activities: dict[int, list[CallActivity]] = defaultdict(list)
    for call_id, activity_id, kind, subject, body, created_by, created_at in activity_rows:
        activities[call_id].append(
            CallActivity(activity_id, ActivityKind(kind), subject, body, created_by, created_at)
        )
    requests: dict[int, list[CallServiceRequest]] = defaultdict(list)
    for call_id, request_id, subject, request_type, status in request_rows:
        number = public_number(REQUEST_PREFIX, request_id)
        requests[call_id].append(
            CallServiceRequest(number, subject, RequestType(request_type), RequestStatus(status))
        )
    return CallLinks(
        {call_id: tuple(rows) for call_id, rows in activities.items()},
        {call_id: tuple(rows) for call_id, rows in requests.items()},
    )


NO_LINKS = CallLinks({}, {})
"""What a call record has tied to it when nothing is."""


def links_in(session: Session, call_ids: list[int]) -> CallLinks:
    """The activities and service requests tied to these call records."""
    if not call_ids:
        return NO_LINKS
    activities = session.execute(activities_of_calls(call_ids)).all()
    requests = session.execute(requests_of_calls(call_ids)).all()
    return call_links(activities, requests)
