"""Reading the call log: by member, agent, queue, number and time, a page at a time.

Pages are cut by keyset on (start time, id), newest first: a page's ``next_cursor``
names the last call it holds, so paging stays stable while new calls arrive.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.calls.links import CallLinks, links_in
from crm_core.calls.models import CallRecord
from crm_core.calls.schemas import CallPage, CallQuery, CallRecordView
from crm_core.errors import InvalidInputError
from crm_core.members.models import Member
from crm_core.members.phones import caller_number_to_e164
from crm_core.staff.models import User

RECORD_ID = re.compile(r"[0-9]{1,19}")
MAX_RECORD_ID = 2**63 - 1


def call_view(
    record: CallRecord,
    agent_login: str | None,
    member_number: str | None,
    links: CallLinks | None = None,
) -> CallRecordView:
    """The data object of a stored call (agent and member given by login and number).

    ``links`` holds the activities and service requests tied to it (none when not given).
    """
    return CallRecordView(
        linked_id=record.linked_id,
        direction=record.direction,
        caller=record.caller,
        caller_e164=record.caller_e164,
        called=record.called,
        inbound_media=record.inbound_media,
        queue=record.queue,
        agent_login=agent_login,
        member_number=member_number,
        started_at=record.started_at,
        queued_at=record.queued_at,
        ringing_at=record.ringing_at,
        answered_at=record.answered_at,
        ended_at=record.ended_at,
        wait_seconds=record.wait_seconds,
        talk_seconds=record.talk_seconds,
        hold_seconds=record.hold_seconds,
        wrapup_seconds=record.wrapup_seconds,
        abandoned=record.abandoned,
        hangup_cause=record.hangup_cause,
        hangup_cause_text=record.hangup_cause_text,
        disposition_code=record.disposition_code,
        disposition_note=record.disposition_note,
        recording_ref=record.recording_ref,
        created_at=record.created_at,
        activities=links.activities.get(record.id, ()) if links else (),
        service_requests=links.service_requests.get(record.id, ()) if links else (),
        reconciled=record.reconciled,
        server=record.server,
    )


def calls_with_names() -> Select[CallRecord, str | None, str | None]:
    """Call records with their agent's login and their member's number."""
    return (
        select(CallRecord, User.login, Member.number)
        .outerjoin(User, User.id == CallRecord.agent_id)
        .outerjoin(Member, Member.id == CallRecord.member_id)
    )


def encode_cursor(view: CallRecordView, record_id: int) -> str:
    """An opaque cursor naming a call's place in the newest-first order."""
    raw = f"{view.started_at.astimezone(UTC).isoformat()}|{record_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (start time, id) a cursor names, or :class:`InvalidInputError`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, record_id = raw.partition("|")
        at = datetime.fromisoformat(when)
        if at.tzinfo is None:
            raise ValueError("naive time in cursor")
        # A row id is a signed 64-bit integer in both databases; more overflows the driver.
        if not RECORD_ID.fullmatch(record_id) or int(record_id) > MAX_RECORD_ID:
            raise ValueError("not a row id")
        return at.astimezone(UTC), int(record_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("not a cursor of this call log", cursor=cursor) from None


def _filtered(query: CallQuery, default_region: str) -> Select[CallRecord, str | None, str | None]:
    statement = calls_with_names()
    if query.member_number is not None:
        statement = statement.where(
            CallRecord.member_id
            == select(Member.id).where(Member.number == query.member_number).scalar_subquery()
        )
    if query.agent_login is not None:
        statement = statement.where(
            CallRecord.agent_id
            == select(User.id).where(User.login == query.agent_login).scalar_subquery()
        )
    if query.queue is not None:
        statement = statement.where(CallRecord.queue == query.queue)
    if query.direction is not None:
        statement = statement.where(CallRecord.direction == query.direction)
    if query.number is not None:
        matches = [CallRecord.caller == query.number, CallRecord.called == query.number]
        e164 = caller_number_to_e164(query.number, default_region)
        if e164 is not None:
            matches += [CallRecord.caller_e164 == e164, CallRecord.called == e164]
        statement = statement.where(or_(*matches))
    if query.since is not None:
        statement = statement.where(CallRecord.started_at >= query.since)
    if query.until is not None:
        statement = statement.where(CallRecord.started_at < query.until)
    if query.seen_by_agent is not None:
        agent_id = select(User.id).where(User.login == query.seen_by_agent).scalar_subquery()
        statement = statement.where(
            or_(CallRecord.agent_id == agent_id, CallRecord.queue.in_(query.seen_in_queues))
        )
    if query.cursor is not None:
        at, record_id = decode_cursor(query.cursor)
        statement = statement.where(
            or_(
                CallRecord.started_at < at,
                and_(CallRecord.started_at == at, CallRecord.id < record_id),
            )
        )
    return statement


async def search_calls(session: AsyncSession, query: CallQuery, default_region: str) -> CallPage:
    """One page of the calls matching ``query``, newest first."""
    statement = (
        _filtered(query, default_region)
        .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
        .limit(query.limit + 1)
    )
    rows = (await session.execute(statement)).all()
    page = rows[: query.limit]
    links = await session.run_sync(links_in, [record.id for record, _, _ in page])
    views = [call_view(record, login, number, links) for record, login, number in page]
    next_cursor = None
    if len(rows) > query.limit:
        next_cursor = encode_cursor(views[-1], page[-1][0].id)
    return CallPage(calls=tuple(views), next_cursor=next_cursor)
