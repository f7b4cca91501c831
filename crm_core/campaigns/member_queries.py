"""Lead lists built from member queries: the follow-up and care calls of the seeds.

- ``points-expiring``: members with unspent points that expire between now and the end
  of this month (the month as it reads in the campaign's zone);
- ``birthdays``: members whose birthday falls in this week, Monday to Sunday in the
  campaign's zone (a 29 February birthday counts on 28 February in other years);
- ``follow-ups-due``: members with a resolved service request whose follow-up call (回访)
  is due, and members with an open service-plan task due by today.

Each member is called on the request's contact phone, else on their first phone; a member
with no phone is refused as ``no-phone``.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.lists import Candidate
from crm_core.campaigns.schemas import RefusedRow
from crm_core.loyalty.models import PointsLot
from crm_core.members.models import Member, MemberPhone
from crm_core.service_desk.kinds import TaskStatus
from crm_core.service_desk.models import PlanTask, ServiceRequest
from crm_core.service_desk.workflow import RequestStatus


class MemberQuery(enum.StrEnum):
    """The member queries a list can be built from."""

    POINTS_EXPIRING = "points-expiring"
    BIRTHDAYS = "birthdays"
    FOLLOW_UPS_DUE = "follow-ups-due"


def _month_end(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz).date()
    first_next = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(first_next, time(0), tzinfo=tz)


def _points_expiring(session: Session, now: datetime, tz: ZoneInfo) -> dict[int, dict[str, str]]:
    rows = session.execute(
        select(PointsLot.member_id, func.sum(PointsLot.remaining), func.min(PointsLot.expires_at))
        .where(
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
            PointsLot.expires_at < _month_end(now, tz),
        )
        .group_by(PointsLot.member_id)
    )
    return {
        member_id: {"points_expiring": str(points), "expires_at": str(soonest)}
        for member_id, points, soonest in rows
    }


def _week_days(now: datetime, tz: ZoneInfo) -> set[tuple[int, int]]:
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    days = {(day.month, day.day) for day in (monday + timedelta(days=n) for n in range(7))}
    if (2, 28) in days and not calendar.isleap(today.year):
        days.add((2, 29))
    return days


def _birthdays(session: Session, now: datetime, tz: ZoneInfo) -> dict[int, dict[str, str]]:
    week = _week_days(now, tz)
    rows = session.execute(select(Member.id, Member.birthday).where(Member.birthday.is_not(None)))
    found: dict[int, dict[str, str]] = {}
    for member_id, birthday in rows:
        if isinstance(birthday, date) and (birthday.month, birthday.day) in week:
            found[member_id] = {"birthday": birthday.strftime("%m-%d")}
    return found


def _follow_ups(
    session: Session, now: datetime, tz: ZoneInfo
) -> tuple[dict[int, dict[str, str]], dict[int, str]]:
    found: dict[int, dict[str, str]] = {}
    contact: dict[int, str] = {}
    requests = session.execute(
        select(ServiceRequest.id, ServiceRequest.member_id, ServiceRequest.contact_phone)
        .where(ServiceRequest.status == RequestStatus.RESOLVED)
        .order_by(ServiceRequest.id)
    )
    for request_id, member_id, phone in requests:
        found.setdefault(member_id, {"service_request": f"SR-{request_id:08d}"})
        if phone:
            contact.setdefault(member_id, phone)
    tasks = session.execute(
        select(PlanTask.id, PlanTask.member_id, PlanTask.due_date)
        .where(PlanTask.status == TaskStatus.OPEN, PlanTask.due_date <= now.astimezone(tz).date())
        .order_by(PlanTask.id)
    )
    for task_id, member_id, due in tasks:
        found.setdefault(member_id, {"plan_task": str(task_id), "due_date": due.isoformat()})
    return found, contact


def _first_phones(session: Session, member_ids: Iterable[int]) -> dict[int, str]:
    phones: dict[int, str] = {}
    rows = session.execute(
        select(MemberPhone.member_id, MemberPhone.e164)
        .where(MemberPhone.member_id.in_(list(member_ids)))
        .order_by(MemberPhone.member_id, MemberPhone.position, MemberPhone.id)
    )
    for member_id, e164 in rows:
        phones.setdefault(member_id, e164)
    return phones


def member_candidates(
    session: Session, query: MemberQuery, *, now: datetime, zone_name: str
) -> tuple[list[Candidate], list[RefusedRow]]:
    """The candidates the query finds (by member id), and the members refused for no phone."""
    tz = ZoneInfo(zone_name)
    contact: dict[int, str] = {}
    if query is MemberQuery.POINTS_EXPIRING:
        found = _points_expiring(session, now, tz)
    elif query is MemberQuery.BIRTHDAYS:
        found = _birthdays(session, now, tz)
    else:
        found, contact = _follow_ups(session, now, tz)
    phones = {**_first_phones(session, found), **contact}
    numbers = {
        key: value
        for key, value in session.execute(
            select(Member.id, Member.number).where(Member.id.in_(list(found)))
        )
    }
    candidates: list[Candidate] = []
    refused: list[RefusedRow] = []
    for member_id in sorted(found):
        phone = phones.get(member_id)
        if phone is None:
            refused.append(RefusedRow(None, "no-phone", numbers[member_id]))
            continue
        candidates.append(
            Candidate(
                line_no=None,
                raw=numbers[member_id],
                phone=phone,
                member_id=member_id,
                custom={"query": query.value, **found[member_id]},
            )
        )
    return candidates, refused
