"""Configuring the service desk: service queues and their owners, the priority and SLA tables.

Only supervisors and admins change configuration; anyone may read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.loyalty.services import Clock
from crm_core.service_desk.common import CONFIGURERS, load_user, login_of
from crm_core.service_desk.exceptions import DuplicateQueueError, UnknownQueueError
from crm_core.service_desk.models import PriorityRule, ServiceQueue, SlaRule
from crm_core.service_desk.schemas import EngineerIn, PriorityRuleIn, QueueCreate, SlaRuleIn
from crm_core.service_desk.views import PriorityRuleView, ServiceQueueView, SlaRuleView
from crm_core.validation import parse

T = TypeVar("T")


def _queue_view(session: Session, queue: ServiceQueue) -> ServiceQueueView:
    return ServiceQueueView(
        queue.name, queue.display_name, login_of(session, queue.owner_id), queue.active
    )


class ServiceSetup:
    """Service queues, the priority table and the SLA table."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def add_queue(
        self, data: QueueCreate | dict[str, Any], *, actor: str
    ) -> ServiceQueueView:
        """Create a service queue (e.g. ``pc-digital`` "PC & digital engineers")."""
        queue = parse(QueueCreate, data)
        now = self.clock()

        def work(session: Session) -> ServiceQueueView:
            load_user(session, actor, roles=CONFIGURERS)
            if session.scalar(select(ServiceQueue.id).where(ServiceQueue.name == queue.name)):
                raise DuplicateQueueError(f"service queue {queue.name} exists", queue=queue.name)
            owner = load_user(session, queue.owner) if queue.owner else None
            row = ServiceQueue(
                name=queue.name,
                display_name=queue.display_name,
                owner_id=owner.id if owner else None,
                active=True,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _queue_view(session, row)

        return await self._db.run_write(work)

    async def set_queue_owner(
        self, name: str, owner: str | None, *, actor: str
    ) -> ServiceQueueView:
        """Give a queue a new owner (or none)."""
        login = parse(EngineerIn, {"engineer": owner}).engineer

        def work(session: Session) -> ServiceQueueView:
            load_user(session, actor, roles=CONFIGURERS)
            queue = session.scalars(
                select(ServiceQueue).where(ServiceQueue.name == name)
            ).one_or_none()
            if queue is None:
                raise UnknownQueueError(f"no service queue {name!r}", queue=name)
            queue.owner_id = load_user(session, login).id if login else None
            return _queue_view(session, queue)

        return await self._db.run_write(work)

    async def queues(self) -> list[ServiceQueueView]:
        """Every service queue by name."""

        def read(session: Session) -> list[ServiceQueueView]:
            rows = session.scalars(select(ServiceQueue).order_by(ServiceQueue.name)).all()
            return [_queue_view(session, row) for row in rows]

        return await self._read(read)

    async def priority_table(self) -> list[PriorityRuleView]:
        """The priority table, by type then member level."""

        def read(session: Session) -> list[PriorityRuleView]:
            rows = session.scalars(
                select(PriorityRule).order_by(PriorityRule.request_type, PriorityRule.member_level)
            ).all()
            return [PriorityRuleView(r.request_type, r.member_level, r.priority) for r in rows]

        return await self._read(read)

    async def set_priority_rule(
        self, data: PriorityRuleIn | dict[str, Any], *, actor: str
    ) -> PriorityRuleView:
        """Set the priority of one (type, member level); new requests follow it."""
        rule = parse(PriorityRuleIn, data)
        now = self.clock()

        def work(session: Session) -> PriorityRuleView:
            user = load_user(session, actor, roles=CONFIGURERS)
            row = session.scalars(
                select(PriorityRule)
                .where(
                    PriorityRule.request_type == rule.request_type,
                    PriorityRule.member_level == rule.member_level,
                )
                .with_for_update()
            ).one_or_none()
            if row is None:
                row = PriorityRule(request_type=rule.request_type, member_level=rule.member_level)
                session.add(row)
            row.priority, row.updated_by, row.updated_at = rule.priority, user.login, now
            return PriorityRuleView(rule.request_type, rule.member_level, rule.priority)

        return await self._db.run_write(work)

    async def sla_table(self) -> list[SlaRuleView]:
        """The SLA table, by type then priority."""

        def read(session: Session) -> list[SlaRuleView]:
            rows = session.scalars(
                select(SlaRule).order_by(SlaRule.request_type, SlaRule.priority)
            ).all()
            return [
                SlaRuleView(r.request_type, r.priority, r.response_minutes, r.resolution_minutes)
                for r in rows
            ]

        return await self._read(read)

    async def set_sla_rule(self, data: SlaRuleIn | dict[str, Any], *, actor: str) -> SlaRuleView:
        """Set the response and resolution minutes of one (type, priority) for new requests."""
        rule = parse(SlaRuleIn, data)
        now = self.clock()

        def work(session: Session) -> SlaRuleView:
            user = load_user(session, actor, roles=CONFIGURERS)
            row = session.scalars(
                select(SlaRule)
                .where(SlaRule.request_type == rule.request_type, SlaRule.priority == rule.priority)
                .with_for_update()
            ).one_or_none()
            if row is None:
                row = SlaRule(request_type=rule.request_type, priority=rule.priority)
                session.add(row)
            row.response_minutes = rule.response_minutes
            row.resolution_minutes = rule.resolution_minutes
            row.updated_by, row.updated_at = user.login, now
            return SlaRuleView(
                rule.request_type, rule.priority, rule.response_minutes, rule.resolution_minutes
            )

        return await self._db.run_write(work)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
