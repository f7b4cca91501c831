"""Active service plans: tasks generated in bulk from a query over members or assets.

A plan (birthday care, warranty expiry, or a custom member query) is worked through one
service queue. Running it creates one task per match due in its window; running it
again for the same window creates nothing new (each task has a key unique per plan).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Select, extract, insert, select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.models import Member
from crm_core.service_desk.common import (
    CONFIGURERS,
    REQUEST_PREFIX,
    load_queue,
    load_user,
    public_number,
    row_id,
)
from crm_core.service_desk.exceptions import TaskClosedError, TaskHasRequestError
from crm_core.service_desk.kinds import PlanKind, RequestChannel, TaskStatus
from crm_core.service_desk.models import MemberAsset, PlanTask, ServicePlan, ServiceQueue
from crm_core.service_desk.records import create_request, request_view
from crm_core.service_desk.schedule import birthday_due, month_days_within
from crm_core.service_desk.schemas import (
    NoteIn,
    PlanCreate,
    PlanCriteria,
    RequestCreate,
    TaskRequest,
)
from crm_core.service_desk.views import GenerationResult, PlanView, RequestView, TaskView
from crm_core.validation import parse

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
MAX_TASKS_LISTED = 1000
Match = tuple[int, int | None, date, str]  # member id, asset id, due date, dedup key


def _plan_view(session: Session, plan: ServicePlan) -> PlanView:
    queue = session.scalar(select(ServiceQueue.name).where(ServiceQueue.id == plan.queue_id))
    return PlanView(
        id=plan.id,
        name=plan.name,
        kind=plan.kind,
        queue=queue or "",
        criteria=PlanCriteria.model_validate(plan.criteria),
        description=plan.description,
        created_by=plan.created_by,
        created_at=plan.created_at,
    )


def _load_plan(session: Session, plan_id: int) -> ServicePlan:
    plan = session.get(ServicePlan, plan_id)
    if plan is None:
        raise NotFoundError(f"no service plan {plan_id}", plan_id=plan_id)
    return plan


def _members_filtered(query: Select[*Ts], criteria: PlanCriteria) -> Select[*Ts]:
    if criteria.levels:
        query = query.where(Member.level.in_(criteria.levels))
    for name in ("member_type", "province", "city", "customer_category"):
        value = getattr(criteria, name)
        if value is not None:
            query = query.where(getattr(Member, name) == value)
    return query


def _window(kind: PlanKind, criteria: PlanCriteria, today: date) -> tuple[date, date]:
    if kind is PlanKind.CUSTOM:
        due = today + timedelta(days=criteria.due_in_days)
        return due, due
    return today, today + timedelta(days=criteria.within_days)


def _birthdays(session: Session, criteria: PlanCriteria, today: date) -> list[Match]:
    month_day = extract("month", Member.birthday) * 100 + extract("day", Member.birthday)
    query = select(Member.id, Member.birthday).where(
        Member.birthday.is_not(None),
        month_day.in_(sorted(month_days_within(today, criteria.within_days))),
    )
    found: list[Match] = []
    for member_id, birthday in session.execute(_members_filtered(query, criteria)):
        due = None if birthday is None else birthday_due(birthday, today, criteria.within_days)
        if due is not None:
            found.append((member_id, None, due, f"m{member_id}@{due.isoformat()}"))
    return found


def _warranties(session: Session, criteria: PlanCriteria, start: date, end: date) -> list[Match]:
    query = (
        select(MemberAsset.member_id, MemberAsset.id, MemberAsset.warranty_end)
        .join(Member, Member.id == MemberAsset.member_id)
        .where(MemberAsset.warranty_end >= start, MemberAsset.warranty_end <= end)
    )
    if criteria.product_code:
        query = query.where(MemberAsset.product_code == criteria.product_code)
    return [
        (member_id, asset_id, due, f"a{asset_id}@{due.isoformat()}")
        for member_id, asset_id, due in session.execute(_members_filtered(query, criteria))
        if due is not None
    ]


def _matches(
    session: Session, plan: ServicePlan, criteria: PlanCriteria, today: date
) -> list[Match]:
    start, end = _window(plan.kind, criteria, today)
    if plan.kind is PlanKind.BIRTHDAY_CARE:
        return _birthdays(session, criteria, today)
    if plan.kind is PlanKind.WARRANTY_EXPIRY:
        return _warranties(session, criteria, start, end)
    members = session.scalars(_members_filtered(select(Member.id), criteria))
    return [(member_id, None, start, f"m{member_id}@{start.isoformat()}") for member_id in members]


def _task_listing() -> Select[PlanTask, str, str, str, str]:
    return (
        select(PlanTask, ServicePlan.name, ServiceQueue.name, Member.number, Member.name)
        .join(ServicePlan, ServicePlan.id == PlanTask.plan_id)
        .join(ServiceQueue, ServiceQueue.id == ServicePlan.queue_id)
        .join(Member, Member.id == PlanTask.member_id)
    )


def _task_view(row: Any) -> TaskView:
    task, plan_name, queue, member_number, member_name = row
    return TaskView(
        id=task.id,
        plan_id=task.plan_id,
        plan_name=plan_name,
        queue=queue,
        member_number=member_number,
        member_name=member_name,
        asset_id=task.asset_id,
        due_date=task.due_date,
        status=task.status,
        request_number=None
        if task.request_id is None
        else public_number(REQUEST_PREFIX, task.request_id),
        note=task.note,
    )


def _task_status(value: TaskStatus | str) -> TaskStatus:
    try:
        return TaskStatus(value)
    except ValueError:
        raise InvalidInputError(
            f"{value!r} is not a task status", allowed=[s.value for s in TaskStatus]
        ) from None


def _lock_task(session: Session, task_id: int) -> PlanTask:
    task = session.scalars(
        select(PlanTask).where(PlanTask.id == task_id).with_for_update()
    ).one_or_none()
    if task is None:
        raise NotFoundError(f"no plan task {task_id}", task_id=task_id)
    if task.status is not TaskStatus.OPEN:
        raise TaskClosedError(
            f"plan task {task_id} is {task.status.value}", task_id=task_id, status=task.status.value
        )
    return task


class PlanService:
    """Active service plans and their tasks; "today" is the clock's date in ``timezone``."""

    def __init__(
        self, *, db: Database, default_region: str, clock: Clock = utcnow, timezone: tzinfo = UTC
    ) -> None:
        self._db = db
        self.default_region = default_region
        self.clock = clock
        self.timezone = timezone

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.timezone).date()

    async def create(self, data: PlanCreate | dict[str, Any], *, actor: str) -> PlanView:
        """Define a plan (supervisors and admins)."""
        plan = parse(PlanCreate, data)
        now = self.clock()

        def work(session: Session) -> PlanView:
            user = load_user(session, actor, roles=CONFIGURERS)
            row = ServicePlan(
                name=plan.name,
                kind=plan.kind,
                queue_id=load_queue(session, plan.queue).id,
                criteria=plan.criteria.model_dump(mode="json"),
                description=plan.description,
                created_by=user.login,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _plan_view(session, row)

        return await self._db.run_write(work)

    async def get(self, plan_id: int) -> PlanView:
        """A plan by id."""
        wanted = row_id(plan_id, "plan_id")
        return await self._read(lambda session: _plan_view(session, _load_plan(session, wanted)))

    async def plans(self) -> list[PlanView]:
        """Every plan, oldest first."""

        def read(session: Session) -> list[PlanView]:
            rows = session.scalars(select(ServicePlan).order_by(ServicePlan.id)).all()
            return [_plan_view(session, row) for row in rows]

        return await self._read(read)

    async def generate(self, plan_id: int, *, actor: str) -> GenerationResult:
        """Create the tasks the plan's query finds as of today; existing ones are kept."""
        wanted = row_id(plan_id, "plan_id")
        now = self.clock()
        today = self._today(now)

        def work(session: Session) -> GenerationResult:
            load_user(session, actor, roles=CONFIGURERS)
            plan = _load_plan(session, wanted)
            criteria = PlanCriteria.model_validate(plan.criteria)
            start, end = _window(plan.kind, criteria, today)
            matches = _matches(session, plan, criteria, today)
            existing = set(
                session.scalars(
                    select(PlanTask.dedup_key).where(
                        PlanTask.plan_id == plan.id,
                        PlanTask.due_date >= start,
                        PlanTask.due_date <= end,
                    )
                )
            )
            rows = [
                {
                    "plan_id": plan.id,
                    "member_id": member_id,
                    "asset_id": asset_id,
                    "due_date": due,
                    "dedup_key": key,
                    "status": TaskStatus.OPEN,
                    "created_at": now,
                }
                for member_id, asset_id, due, key in matches
                if key not in existing
            ]
            if rows:
                session.execute(insert(PlanTask), rows)
            return GenerationResult(plan.id, start, end, matched=len(matches), created=len(rows))

        return await self._db.run_write(work)

    async def tasks(
        self,
        *,
        plan_id: int | None = None,
        queue: str | None = None,
        status: TaskStatus | str | None = TaskStatus.OPEN,
        due_by: date | None = None,
        limit: int = 200,
    ) -> list[TaskView]:
        """Tasks by due date, filtered by plan, queue, status and latest due date."""
        wanted_plan = None if plan_id is None else row_id(plan_id, "plan_id")
        rows = row_id(limit, "limit")
        wanted_status = None if status is None else _task_status(status)

        def read(session: Session) -> list[TaskView]:
            query = _task_listing()
            if wanted_plan is not None:
                query = query.where(PlanTask.plan_id == wanted_plan)
            if queue is not None:
                query = query.where(ServicePlan.queue_id == load_queue(session, queue).id)
            if wanted_status is not None:
                query = query.where(PlanTask.status == wanted_status)
            if due_by is not None:
                query = query.where(PlanTask.due_date <= due_by)
            query = query.order_by(PlanTask.due_date, PlanTask.id).limit(
                min(rows, MAX_TASKS_LISTED)
            )
            return [_task_view(row) for row in session.execute(query)]

        return await self._read(read)

    async def complete_task(self, task_id: int, *, actor: str, note: str | None = None) -> TaskView:
        """Mark an open task done."""
        return await self._close(task_id, TaskStatus.DONE, actor=actor, note=note)

    async def cancel_task(self, task_id: int, *, actor: str, note: str | None = None) -> TaskView:
        """Cancel an open task."""
        return await self._close(task_id, TaskStatus.CANCELLED, actor=actor, note=note)

    async def _close(
        self, task_id: int, status: TaskStatus, *, actor: str, note: str | None
    ) -> TaskView:
        wanted = row_id(task_id, "task_id")
        text = parse(NoteIn, {"note": note}).note
        now = self.clock()

        def work(session: Session) -> TaskView:
            user = load_user(session, actor)
            task = _lock_task(session, wanted)
            task.status, task.closed_by, task.closed_at = status, user.login, now
            if text is not None:
                task.note = text
            session.flush()
            return _task_view(session.execute(_task_listing().where(PlanTask.id == task.id)).one())

        return await self._db.run_write(work)

    async def open_request(
        self, task_id: int, data: TaskRequest | dict[str, Any], *, actor: str
    ) -> RequestView:
        """Log a service request for an open task's member (and asset) in the plan's queue."""
        wanted = row_id(task_id, "task_id")
        fields = parse(TaskRequest, data)
        now = self.clock()

        def work(session: Session) -> RequestView:
            user = load_user(session, actor)
            task = _lock_task(session, wanted)
            if task.request_id is not None:
                number = public_number(REQUEST_PREFIX, task.request_id)
                raise TaskHasRequestError(
                    f"plan task {task.id} already has {number}",
                    task_id=task.id,
                )
            plan = _load_plan(session, task.plan_id)
            member_number = session.scalar(select(Member.number).where(Member.id == task.member_id))
            queue = session.scalar(
                select(ServiceQueue.name).where(ServiceQueue.id == plan.queue_id)
            )
            body = RequestCreate(
                subject=fields.subject or plan.name[:200],
                request_type=fields.request_type,
                member_number=member_number or "",
                category=fields.category,
                asset_id=task.asset_id,
                queue=queue,
                owner=fields.owner,
                channel=RequestChannel.PLAN,
                description=fields.description,
            )
            request = create_request(
                session, body, actor=user, at=now, default_region=self.default_region
            )
            task.request_id = request.id
            return request_view(session, request)

        return await self._db.run_write(work)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
