"""Service requests: log, accept, work, resolve, follow up, close, cancel, reopen, change.

Every transition goes through :mod:`crm_core.service_desk.workflow`; every transition
and field change is written to the request's history in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.phones import normalise
from crm_core.service_desk.common import (
    REQUEST_PREFIX,
    WORK_ORDER_PREFIX,
    load_queue,
    load_user,
    lock_request,
    login_of,
    parse_number,
    public_number,
    queue_name_of,
    record,
)
from crm_core.service_desk.exceptions import IllegalTransitionError
from crm_core.service_desk.models import ServiceChange, ServiceRequest
from crm_core.service_desk.records import (
    asset_of,
    create_request,
    request_view,
    set_request_status,
    sla_terms,
    work_order_counts,
)
from crm_core.service_desk.schemas import (
    NoteIn,
    PriorityOverride,
    ReasonIn,
    RequestCreate,
    RequestUpdate,
    ResultIn,
)
from crm_core.service_desk.sla import due_times
from crm_core.service_desk.views import HistoryEntry, RequestView
from crm_core.service_desk.workflow import (
    FINAL_REQUEST,
    OPEN_REQUEST,
    RequestAction,
    request_step,
)
from crm_core.validation import parse

T = TypeVar("T")


class RequestService:
    """The life of service requests, one transaction per call."""

    def __init__(self, *, db: Database, default_region: str, clock: Clock = utcnow) -> None:
        self._db = db
        self.default_region = default_region
        self.clock = clock

    async def open(self, data: RequestCreate | dict[str, Any], *, actor: str) -> RequestView:
        """Log a new request (status ``new``) with its priority and SLA deadlines."""
        request = parse(RequestCreate, data)
        now = self.clock()

        def work(session: Session) -> RequestView:
            user = load_user(session, actor)
            created = create_request(
                session, request, actor=user, at=now, default_region=self.default_region
            )
            return request_view(session, created)

        return await self._db.run_write(work)

    async def get(self, number: str) -> RequestView:
        """A request by its ``SR-`` number."""
        request_id = parse_number(REQUEST_PREFIX, number)

        def read(session: Session) -> RequestView:
            request = session.get(ServiceRequest, request_id)
            if request is None:
                raise NotFoundError(f"no service request {number!r}", number=number)
            return request_view(session, request)

        return await self._read(read)

    async def history(self, number: str) -> list[HistoryEntry]:
        """Every change of the request and its work orders, oldest first."""
        request_id = parse_number(REQUEST_PREFIX, number)

        def read(session: Session) -> list[HistoryEntry]:
            if session.get(ServiceRequest, request_id) is None:
                raise NotFoundError(f"no service request {number!r}", number=number)
            changes = session.scalars(
                select(ServiceChange)
                .where(ServiceChange.request_id == request_id)
                .order_by(ServiceChange.id)
            ).all()
            return [
                HistoryEntry(
                    field=change.field,
                    old_value=change.old_value,
                    new_value=change.new_value,
                    reason=change.reason,
                    changed_by=change.changed_by,
                    changed_at=change.changed_at,
                    work_order=None
                    if change.work_order_id is None
                    else public_number(WORK_ORDER_PREFIX, change.work_order_id),
                )
                for change in changes
            ]

        return await self._read(read)

    async def accept(self, number: str, *, actor: str) -> RequestView:
        """Accept (受理) a new request: its response time; the actor owns it if nobody does."""
        return await self._act(number, RequestAction.ACCEPT, actor=actor)

    async def start(self, number: str, *, actor: str) -> RequestView:
        """Start handling an accepted (enquiry) or dispatched request."""
        return await self._act(number, RequestAction.START, actor=actor)

    async def resolve(self, number: str, *, result: str, actor: str) -> RequestView:
        """Resolve a request in progress with its result; refused while a work order is open."""
        text = parse(ResultIn, {"result": result}).result
        return await self._act(number, RequestAction.RESOLVE, actor=actor, result=text)

    async def follow_up(self, number: str, *, actor: str, note: str | None = None) -> RequestView:
        """Start the follow-up call (回访) of a resolved request."""
        reason = parse(NoteIn, {"note": note}).note
        return await self._act(number, RequestAction.FOLLOW_UP, actor=actor, reason=reason)

    async def close(self, number: str, *, actor: str, note: str | None = None) -> RequestView:
        """Close a resolved or followed-up request; refused while a work order is open."""
        reason = parse(NoteIn, {"note": note}).note
        return await self._act(number, RequestAction.CLOSE, actor=actor, reason=reason)

    async def cancel(self, number: str, *, reason: str, actor: str) -> RequestView:
        """Cancel a new or accepted request, saying why."""
        text = parse(ReasonIn, {"reason": reason}).reason
        return await self._act(number, RequestAction.CANCEL, actor=actor, reason=text)

    async def reopen(self, number: str, *, reason: str, actor: str) -> RequestView:
        """Put a resolved or followed-up request back in progress, saying why."""
        text = parse(ReasonIn, {"reason": reason}).reason
        return await self._act(number, RequestAction.REOPEN, actor=actor, reason=text)

    async def _act(
        self,
        number: str,
        action: RequestAction,
        *,
        actor: str,
        reason: str | None = None,
        result: str | None = None,
    ) -> RequestView:
        request_id = parse_number(REQUEST_PREFIX, number)
        now = self.clock()

        def work(session: Session) -> RequestView:
            user = load_user(session, actor)
            request = lock_request(session, request_id)
            open_count, live_count = work_order_counts(session, request.id)
            target = request_step(
                request.status,
                action,
                open_work_orders=open_count,
                live_work_orders=live_count,
            )
            set_request_status(session, request, target, by=user.login, at=now, reason=reason)
            if action is RequestAction.ACCEPT and request.owner_id is None:
                record(session, request.id, "owner", None, user.login, by=user.login, at=now)
                request.owner_id = user.id
            if result is not None:
                record(session, request.id, "result", request.result, result, by=user.login, at=now)
                request.result = result
            return request_view(session, request)

        return await self._db.run_write(work)

    async def update(
        self, number: str, data: RequestUpdate | dict[str, Any], *, actor: str
    ) -> RequestView:
        """Change fields of a request that is not closed or cancelled; each change is recorded."""
        changes = parse(RequestUpdate, data)
        request_id = parse_number(REQUEST_PREFIX, number)
        now = self.clock()
        phone = (
            normalise(changes.contact_phone, self.default_region) if changes.contact_phone else None
        )

        def work(session: Session) -> RequestView:
            user = load_user(session, actor)
            request = lock_request(session, request_id)
            if request.status in FINAL_REQUEST:
                raise IllegalTransitionError(
                    f"a request that is {request.status.value} cannot be changed",
                    status=request.status.value,
                    action="update",
                    allowed=[],
                )
            given = changes.model_fields_set
            new_values: dict[str, Any] = {name: getattr(changes, name) for name in given}
            shown: dict[str, Any] = dict(new_values)
            if "contact_phone" in given:
                new_values["contact_phone"] = shown["contact_phone"] = phone
            if changes.asset_id is not None:
                asset_of(session, changes.asset_id, request.member_id)
            if "queue" in given:
                new_values.pop("queue")
                new_values["queue_id"] = (
                    load_queue(session, changes.queue).id if changes.queue else None
                )
            if "owner" in given:
                new_values.pop("owner")
                new_values["owner_id"] = (
                    load_user(session, changes.owner).id if changes.owner else None
                )
            start = new_values.get("planned_start", request.planned_start)
            finish = new_values.get("planned_finish", request.planned_finish)
            if start is not None and finish is not None and finish < start:
                raise InvalidInputError(
                    "the planned finish is before the planned start",
                    planned_start=start.isoformat(),
                    planned_finish=finish.isoformat(),
                )
            old_shown = {
                "queue": queue_name_of(session, request.queue_id),
                "owner": login_of(session, request.owner_id),
            }
            for name in sorted(shown):
                old = old_shown[name] if name in old_shown else getattr(request, name)
                if old != shown[name]:
                    record(session, request.id, name, old, shown[name], by=user.login, at=now)
            for column, value in new_values.items():
                setattr(request, column, value)
            request.updated_at = now
            return request_view(session, request)

        return await self._db.run_write(work)

    async def override_priority(
        self, number: str, priority: int, *, reason: str, actor: str
    ) -> RequestView:
        """Set an open request's priority by hand, with a reason; its deadlines follow."""
        override = parse(PriorityOverride, {"priority": priority, "reason": reason})
        request_id = parse_number(REQUEST_PREFIX, number)
        now = self.clock()

        def work(session: Session) -> RequestView:
            user = load_user(session, actor)
            request = lock_request(session, request_id)
            if request.status not in OPEN_REQUEST:
                raise IllegalTransitionError(
                    f"the priority of a {request.status.value} request cannot change",
                    status=request.status.value,
                    action="override_priority",
                    allowed=[],
                )
            if override.priority == request.priority:
                return request_view(session, request)
            response_due, resolution_due = due_times(
                request.created_at, sla_terms(session, request.request_type, override.priority)
            )
            for name, old, new in (
                ("priority", request.priority, override.priority),
                ("response_due", request.response_due, response_due),
                ("resolution_due", request.resolution_due, resolution_due),
            ):
                if old != new:
                    record(
                        session,
                        request.id,
                        name,
                        old,
                        new,
                        by=user.login,
                        at=now,
                        reason=override.reason,
                    )
            request.priority = override.priority
            request.priority_overridden = True
            request.response_due, request.resolution_due = response_due, resolution_due
            request.updated_at = now
            return request_view(session, request)

        return await self._db.run_write(work)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
