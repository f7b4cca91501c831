"""Activities on members: calls, SMS, e-mail, visits and notes, free text or from a template.

Nothing is sent from here: an activity records the contact. A templated activity
stores the text as rendered for the member at that moment, so changing the template
later does not rewrite history.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm_core.activities.exceptions import TemplateInactiveError
from crm_core.activities.models import Activity, ActivityKind, ActivityTemplate
from crm_core.activities.schemas import (
    ActivityIn,
    ActivityView,
    Actor,
    RenderedMessage,
    TemplatedActivityIn,
)
from crm_core.activities.template_service import load_template
from crm_core.activities.templates import compile_template, member_values
from crm_core.calls.links import call_for
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock, PointsService
from crm_core.members.models import Member
from crm_core.members.services import member_view
from crm_core.validation import parse

MAX_PAGE = 500


def _member_id(session: Session, number: str) -> int:
    member_id = session.scalar(select(Member.id).where(Member.number == number))
    if member_id is None:
        raise NotFoundError(f"no member {number!r}", member_number=number)
    return member_id


def _usable_template(session: Session, name: str) -> ActivityTemplate:
    template = load_template(session, name)
    if not template.active:
        raise TemplateInactiveError(f"template {name!r} is withdrawn", template=name)
    return template


def _view(row: Activity, member_number: str, template_name: str | None) -> ActivityView:
    linked = row.call_id is not None
    return ActivityView(
        id=row.id,
        member_number=member_number,
        kind=row.kind,
        subject=row.subject,
        body=row.body,
        channel=row.channel,
        template=template_name,
        call_linked_id=row.call_linked_id if linked else None,
        pending_call_linked_id=None if linked else row.call_linked_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


class ActivityService:
    """Logs and lists a member's activities."""

    def __init__(self, *, db: Database, points: PointsService, clock: Clock = utcnow) -> None:
        self._db = db
        self._points = points
        self.clock = clock

    async def log(self, data: ActivityIn | dict[str, Any], *, actor: str) -> ActivityView:
        """Record a free-text activity on a member."""
        activity = parse(ActivityIn, data)
        who = parse(Actor, {"name": actor}).name
        return await self._db.run_write(
            partial(
                self._insert,
                member_number=activity.member_number,
                kind=activity.kind,
                subject=activity.subject,
                body=activity.body,
                channel=activity.channel,
                template_name=None,
                call_linked_id=activity.call_linked_id,
                actor=who,
            )
        )

    async def log_from_template(
        self, data: TemplatedActivityIn | dict[str, Any], *, actor: str
    ) -> ActivityView:
        """Render a template for the member and record the result as an activity."""
        request = parse(TemplatedActivityIn, data)
        who = parse(Actor, {"name": actor}).name
        message = await self.preview(request.template, request.member_number)
        return await self._db.run_write(
            partial(
                self._insert,
                member_number=request.member_number,
                kind=message.kind,
                subject=message.subject,
                body=message.body,
                channel=request.channel,
                template_name=request.template,
                call_linked_id=request.call_linked_id,
                actor=who,
            )
        )

    def _insert(
        self,
        session: Session,
        *,
        member_number: str,
        kind: ActivityKind,
        subject: str | None,
        body: str,
        channel: str | None,
        template_name: str | None,
        call_linked_id: str | None,
        actor: str,
    ) -> ActivityView:
        member_id = _member_id(session, member_number)
        template_id = _usable_template(session, template_name).id if template_name else None
        row = Activity(
            member_id=member_id,
            kind=kind,
            subject=subject,
            body=body,
            channel=channel,
            template_id=template_id,
            call_id=call_for(session, call_linked_id, member_id),
            call_linked_id=call_linked_id,
            created_by=actor,
            created_at=self.clock(),
        )
        session.add(row)
        session.flush()
        return _view(row, member_number, template_name)

    async def preview(self, template: str, member_number: str) -> RenderedMessage:
        """A template filled in for a member, without recording anything."""
        async with self._db.read() as session:
            member = (
                await session.scalars(
                    select(Member)
                    .where(Member.number == member_number)
                    .options(selectinload(Member.phones))
                )
            ).one_or_none()
            if member is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            profile = member_view(member)
            row = await session.run_sync(_usable_template, template)
            kind, subject, body = row.kind, row.subject, row.body
        values = member_values(profile, await self._points.summary(member_number))
        return RenderedMessage(
            template=template,
            kind=kind,
            member_number=member_number,
            subject=compile_template(subject).render(values) if subject is not None else None,
            body=compile_template(body).render(values),
        )

    async def activities_of(
        self,
        member_number: str,
        *,
        kind: ActivityKind | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ActivityView]:
        """A member's activities, newest first."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInputError(
                f"limit must be 1 to {MAX_PAGE} and offset not negative", limit=limit, offset=offset
            )
        query = (
            select(Activity, ActivityTemplate.name)
            .outerjoin(ActivityTemplate, ActivityTemplate.id == Activity.template_id)
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if kind is not None:
            query = query.where(Activity.kind == kind)
        async with self._db.read() as session:
            member_id = await session.scalar(
                select(Member.id).where(Member.number == member_number)
            )
            if member_id is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            rows = (await session.execute(query.where(Activity.member_id == member_id))).all()
        return [_view(row, member_number, template_name) for row, template_name in rows]


__all__ = ["ActivityService"]
