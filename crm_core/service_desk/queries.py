"""Reading requests in bulk: find by member, status, queue or owner; the overdue list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.members.models import Member
from crm_core.members.services import load_member
from crm_core.service_desk.common import REQUEST_PREFIX, load_queue, load_user, public_number
from crm_core.service_desk.models import ServiceQueue, ServiceRequest
from crm_core.service_desk.sla import SlaFacts, overdue_now
from crm_core.service_desk.views import OverdueRequest, RequestBrief
from crm_core.service_desk.workflow import OPEN_REQUEST, RequestStatus
from crm_core.staff.models import User

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
MAX_ROWS = 1000
_Owner = aliased(User)


def _status(value: RequestStatus | str) -> RequestStatus:
    try:
        return RequestStatus(value)
    except ValueError:
        raise InvalidInputError(
            f"{value!r} is not a request status", allowed=[s.value for s in RequestStatus]
        ) from None


def _limit(limit: int) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_ROWS:
        raise InvalidInputError(f"limit must be 1 to {MAX_ROWS}", limit=limit)
    return limit


def _listing() -> Select[ServiceRequest, str, str | None, str | None]:
    return (
        select(ServiceRequest, Member.number, ServiceQueue.name, _Owner.login)
        .join(Member, Member.id == ServiceRequest.member_id)
        .outerjoin(ServiceQueue, ServiceQueue.id == ServiceRequest.queue_id)
        .outerjoin(_Owner, _Owner.id == ServiceRequest.owner_id)
    )


def _scoped(
    session: Session, query: Select[*Ts], queue: str | None, owner: str | None
) -> Select[*Ts]:
    if queue is not None:
        query = query.where(ServiceRequest.queue_id == load_queue(session, queue).id)
    if owner is not None:
        query = query.where(ServiceRequest.owner_id == load_user(session, owner).id)
    return query


class RequestQueries:
    """Lists of requests for queue views, the 360° view and the overdue board."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def find(
        self,
        *,
        member_number: str | None = None,
        status: RequestStatus | str | None = None,
        queue: str | None = None,
        owner: str | None = None,
        open_only: bool = False,
        limit: int = 100,
    ) -> list[RequestBrief]:
        """Requests matching every filter given, newest first."""
        wanted = None if status is None else _status(status)
        rows = _limit(limit)

        def read(session: Session) -> list[RequestBrief]:
            query = _scoped(session, _listing(), queue, owner)
            if member_number is not None:
                member = load_member(session, member_number)
                query = query.where(ServiceRequest.member_id == member.id)
            if wanted is not None:
                query = query.where(ServiceRequest.status == wanted)
            if open_only:
                query = query.where(ServiceRequest.status.in_(OPEN_REQUEST))
            query = query.order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
            return [
                RequestBrief(
                    number=public_number(REQUEST_PREFIX, request.id),
                    subject=request.subject,
                    request_type=request.request_type,
                    member_number=member,
                    priority=request.priority,
                    status=request.status,
                    queue=queue_name,
                    owner=login,
                    created_at=request.created_at,
                    resolution_due=request.resolution_due,
                )
                for request, member, queue_name, login in session.execute(query.limit(rows))
            ]

        return await self._read(read)

    async def overdue(
        self, *, queue: str | None = None, owner: str | None = None, limit: int = 200
    ) -> list[OverdueRequest]:
        """Open requests past their response or resolution deadline now, most overdue first."""
        rows = _limit(limit)
        now = self.clock()

        def read(session: Session) -> list[OverdueRequest]:
            query = _scoped(session, _listing(), queue, owner).where(
                ServiceRequest.status.in_(OPEN_REQUEST),
                or_(
                    (ServiceRequest.accepted_at.is_(None)) & (ServiceRequest.response_due < now),
                    ServiceRequest.resolution_due < now,
                ),
            )
            found = []
            for request, _member, queue_name, login in session.execute(query):
                kinds = overdue_now(
                    SlaFacts(
                        status=request.status,
                        created_at=request.created_at,
                        response_due=request.response_due,
                        resolution_due=request.resolution_due,
                        accepted_at=request.accepted_at,
                        resolved_at=request.resolved_at,
                    ),
                    now,
                )
                if not kinds:
                    continue
                due_at = min(
                    request.response_due if kind == "response" else request.resolution_due
                    for kind in kinds
                )
                found.append(
                    OverdueRequest(
                        number=public_number(REQUEST_PREFIX, request.id),
                        subject=request.subject,
                        priority=request.priority,
                        status=request.status,
                        queue=queue_name,
                        owner=login,
                        overdue=kinds,
                        due_at=due_at,
                        overdue_by=now - due_at,
                    )
                )
            found.sort(key=lambda item: (item.due_at, item.number))
            return found[:rows]

        return await self._read(read)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
