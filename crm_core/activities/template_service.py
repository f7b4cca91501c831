"""Saving message templates: every placeholder is checked here, so sending cannot fail."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.activities.exceptions import DuplicateTemplateError, TemplateNotFoundError
from crm_core.activities.models import ActivityKind, ActivityTemplate
from crm_core.activities.schemas import Actor, TemplateChange, TemplateIn, TemplateView
from crm_core.activities.templates import compile_template
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.validation import parse


def template_fields(subject: str | None, body: str) -> tuple[str, ...]:
    """The member fields a subject and body use, sorted; raises on any unsafe placeholder."""
    fields = compile_template(body).fields
    if subject is not None:
        fields |= compile_template(subject).fields
    return tuple(sorted(fields))


def template_view(template: ActivityTemplate) -> TemplateView:
    """The data object of a stored template."""
    return TemplateView(
        name=template.name,
        kind=template.kind,
        subject=template.subject,
        body=template.body,
        fields=template_fields(template.subject, template.body),
        active=template.active,
        created_by=template.created_by,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def load_template(session: Session, name: str) -> ActivityTemplate:
    """A template by name, or :class:`TemplateNotFoundError`."""
    template = session.scalars(
        select(ActivityTemplate).where(ActivityTemplate.name == name)
    ).one_or_none()
    if template is None:
        raise TemplateNotFoundError(f"no template {name!r}", template=name)
    return template


class TemplateService:
    """Message templates for SMS, e-mail and notes: save, change, (de)activate, list."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def save(self, data: TemplateIn | dict[str, Any], *, actor: str) -> TemplateView:
        """Save a new template; unknown or unsafe placeholders are refused with the allowed list."""
        template = parse(TemplateIn, data)
        who = parse(Actor, {"name": actor}).name
        template_fields(template.subject, template.body)

        def work(session: Session) -> TemplateView:
            if session.scalar(
                select(ActivityTemplate.id).where(ActivityTemplate.name == template.name)
            ):
                raise DuplicateTemplateError(
                    f"a template named {template.name!r} exists", template=template.name
                )
            now = self.clock()
            row = ActivityTemplate(
                name=template.name,
                kind=template.kind,
                subject=template.subject,
                body=template.body,
                active=True,
                created_by=who,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return template_view(row)

        try:
            return await self._db.run_write(work)
        except IntegrityError:
            return await self._db.run_write(work)  # raced with the same name: now a duplicate

    async def change(self, name: str, data: TemplateChange | dict[str, Any]) -> TemplateView:
        """Replace a template's subject and/or body; activities already logged keep their text."""
        change = parse(TemplateChange, data)
        given = change.model_fields_set
        if "body" in given and change.body is None:
            raise InvalidInputError("a template's body cannot be removed", field="body")
        template_fields(change.subject, change.body or "")

        def work(session: Session) -> TemplateView:
            row = load_template(session, name)
            subject = change.subject if "subject" in given else row.subject
            if row.kind is ActivityKind.EMAIL and subject is None:
                raise InvalidInputError("an e-mail template needs a subject", field="subject")
            row.subject = subject
            row.body = change.body or row.body
            row.updated_at = self.clock()
            session.flush()
            return template_view(row)

        return await self._db.run_write(work)

    async def set_active(self, name: str, active: bool) -> TemplateView:
        """Withdraw a template from use (``False``) or bring it back (``True``)."""
        return await self._db.run_write(partial(self._set_active, name=name, active=active))

    def _set_active(self, session: Session, *, name: str, active: bool) -> TemplateView:
        row = load_template(session, name)
        if row.active != active:
            row.active = active
            row.updated_at = self.clock()
            session.flush()
        return template_view(row)

    async def get(self, name: str) -> TemplateView:
        """The template with this name."""
        async with self._db.read() as session:
            return await session.run_sync(lambda sync: template_view(load_template(sync, name)))

    async def templates(
        self, *, kind: ActivityKind | None = None, include_inactive: bool = False
    ) -> list[TemplateView]:
        """Saved templates by name, optionally of one kind."""
        query = select(ActivityTemplate).order_by(ActivityTemplate.name)
        if kind is not None:
            query = query.where(ActivityTemplate.kind == kind)
        if not include_inactive:
            query = query.where(ActivityTemplate.active)
        async with self._db.read() as session:
            return [template_view(row) for row in await session.scalars(query)]


__all__ = ["TemplateService", "load_template", "template_fields", "template_view"]
