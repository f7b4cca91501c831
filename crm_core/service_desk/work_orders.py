"""Work orders (工单): from a request, dispatched to an engineer, worked, done, signed off.

Adding the first work order dispatches an accepted request; starting one puts a
dispatched request in progress (see :mod:`crm_core.service_desk.workflow`). Every
status and field change lands in the request's history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.service_desk.common import (
    REQUEST_PREFIX,
    WORK_ORDER_PREFIX,
    cents,
    load_user,
    lock_request,
    login_of,
    money_text,
    parse_number,
    record,
)
from crm_core.service_desk.models import ServiceRequest, WorkOrder, WorkOrderPart
from crm_core.service_desk.records import (
    describe_part,
    lock_work_order,
    require_changeable,
    set_request_status,
    work_order_counts,
    work_order_view,
)
from crm_core.service_desk.schemas import (
    EngineerIn,
    LineNoIn,
    PartLineIn,
    ReasonIn,
    SignOffIn,
    WorkOrderCreate,
    WorkOrderFinish,
    WorkOrderUpdate,
)
from crm_core.service_desk.views import WorkOrderView
from crm_core.service_desk.workflow import (
    OPEN_WORK_ORDER,
    WorkOrderAction,
    WorkOrderStatus,
    request_after_new_work_order,
    request_after_work_order_step,
)
from crm_core.validation import parse

T = TypeVar("T")
TAKES_PARTS = OPEN_WORK_ORDER | {WorkOrderStatus.DONE}
MAX_PARTS = 200


class WorkOrderService:
    """Work orders of service requests, one transaction per call."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def create(
        self,
        request_number: str,
        data: WorkOrderCreate | dict[str, Any] | None = None,
        *,
        actor: str,
    ) -> WorkOrderView:
        """Register a work order on an accepted, dispatched or in-progress request."""
        fields = parse(WorkOrderCreate, data or {})
        request_id = parse_number(REQUEST_PREFIX, request_number)
        now = self.clock()

        def work(session: Session) -> WorkOrderView:
            user = load_user(session, actor)
            request = lock_request(session, request_id)
            engineer = load_user(session, fields.engineer) if fields.engineer else None
            _, live = work_order_counts(session, request.id)
            target = request_after_new_work_order(request.status, live_work_orders_before=live)
            order = WorkOrder(
                request_id=request.id,
                status=WorkOrderStatus.REGISTERED,
                engineer_id=engineer.id if engineer else None,
                description=fields.description,
                planned_hours=fields.planned_hours,
                planned_start=fields.planned_start,
                planned_finish=fields.planned_finish,
                budget_cents=cents(fields.budget),
                created_by=user.login,
                created_at=now,
                updated_at=now,
            )
            session.add(order)
            session.flush()
            record(
                session,
                request.id,
                "status",
                None,
                order.status,
                by=user.login,
                at=now,
                work_order_id=order.id,
            )
            set_request_status(session, request, target, by=user.login, at=now)
            return work_order_view(session, order)

        return await self._db.run_write(work)

    async def dispatch(
        self, number: str, *, engineer: str | None = None, actor: str
    ) -> WorkOrderView:
        """Dispatch a registered work order to an engineer (named now or at creation)."""
        who = parse(EngineerIn, {"engineer": engineer}).engineer
        return await self._act(number, WorkOrderAction.DISPATCH, actor=actor, engineer=who)

    async def start(self, number: str, *, actor: str) -> WorkOrderView:
        """The engineer starts the work; a dispatched request goes in progress."""
        return await self._act(number, WorkOrderAction.START, actor=actor)

    async def finish(
        self, number: str, data: WorkOrderFinish | dict[str, Any], *, actor: str
    ) -> WorkOrderView:
        """The work is done: result, actual hours and cost."""
        report = parse(WorkOrderFinish, data)
        return await self._act(number, WorkOrderAction.FINISH, actor=actor, report=report)

    async def confirm(self, number: str, *, signed_off_by: str, actor: str) -> WorkOrderView:
        """The customer signs the done work off."""
        name = parse(SignOffIn, {"signed_off_by": signed_off_by}).signed_off_by
        return await self._act(number, WorkOrderAction.CONFIRM, actor=actor, signed_off_by=name)

    async def cancel(self, number: str, *, reason: str, actor: str) -> WorkOrderView:
        """Cancel an open work order, saying why."""
        text = parse(ReasonIn, {"reason": reason}).reason
        return await self._act(number, WorkOrderAction.CANCEL, actor=actor, reason=text)

    async def _act(
        self,
        number: str,
        action: WorkOrderAction,
        *,
        actor: str,
        engineer: str | None = None,
        report: WorkOrderFinish | None = None,
        signed_off_by: str | None = None,
        reason: str | None = None,
    ) -> WorkOrderView:
        order_id = parse_number(WORK_ORDER_PREFIX, number)
        now = self.clock()

        def work(session: Session) -> WorkOrderView:
            user = load_user(session, actor)
            request, order = lock_work_order(session, order_id)
            new_status, request_status = request_after_work_order_step(
                request.status, order.status, action
            )
            changes: dict[str, tuple[Any, Any]] = {}
            if action is WorkOrderAction.DISPATCH:
                if engineer is None and order.engineer_id is None:
                    raise InvalidInputError("name the engineer the work order goes to")
                if engineer is not None:
                    new_engineer = load_user(session, engineer)
                    if new_engineer.id != order.engineer_id:
                        changes["engineer"] = (login_of(session, order.engineer_id), engineer)
                        order.engineer_id = new_engineer.id
            elif action is WorkOrderAction.START:
                order.actual_start = now
            elif action is WorkOrderAction.FINISH and report is not None:
                order.actual_finish = now
                changes["result"] = (order.result, report.result)
                order.result = report.result
                if report.actual_hours is not None:
                    changes["actual_hours"] = (order.actual_hours, report.actual_hours)
                    order.actual_hours = report.actual_hours
                if report.actual_cost is not None:
                    cost = cents(report.actual_cost)
                    changes["actual_cost"] = (
                        money_text(order.actual_cost_cents),
                        money_text(cost),
                    )
                    order.actual_cost_cents = cost
            elif action is WorkOrderAction.CONFIRM:
                order.signed_off_by, order.signed_off_at = signed_off_by, now
                changes["signed_off_by"] = (None, signed_off_by)
            by = user.login
            record(
                session,
                request.id,
                "status",
                order.status,
                new_status,
                by=by,
                at=now,
                reason=reason,
                work_order_id=order.id,
            )
            for name, (old, new) in changes.items():
                if old != new:
                    record(
                        session, request.id, name, old, new, by=by, at=now, work_order_id=order.id
                    )
            order.status, order.updated_at = new_status, now
            set_request_status(session, request, request_status, by=by, at=now)
            return work_order_view(session, order)

        return await self._db.run_write(work)

    async def update(
        self, number: str, data: WorkOrderUpdate | dict[str, Any], *, actor: str
    ) -> WorkOrderView:
        """Change an open work order's plan, budget, description or engineer."""
        fields = parse(WorkOrderUpdate, data)
        order_id = parse_number(WORK_ORDER_PREFIX, number)
        now = self.clock()

        def work(session: Session) -> WorkOrderView:
            user = load_user(session, actor)
            request, order = lock_work_order(session, order_id)
            require_changeable(request, order, OPEN_WORK_ORDER)
            given = fields.model_fields_set
            if "engineer" in given:
                engineer = load_user(session, fields.engineer) if fields.engineer else None
                old_login = login_of(session, order.engineer_id)
                if old_login != fields.engineer:
                    record(
                        session,
                        request.id,
                        "engineer",
                        old_login,
                        fields.engineer,
                        by=user.login,
                        at=now,
                        work_order_id=order.id,
                    )
                    order.engineer_id = engineer.id if engineer else None
            values: dict[str, Any] = {
                name: getattr(fields, name)
                for name in ("description", "planned_hours", "planned_start", "planned_finish")
                if name in given
            }
            if "budget" in given:
                values["budget_cents"] = cents(fields.budget)
            start = values.get("planned_start", order.planned_start)
            finish = values.get("planned_finish", order.planned_finish)
            if start is not None and finish is not None and finish < start:
                raise InvalidInputError("the planned finish is before the planned start")
            for name, new in values.items():
                old = getattr(order, name)
                if old != new:
                    shown = (
                        (money_text(old), money_text(new)) if name == "budget_cents" else (old, new)
                    )
                    record(
                        session,
                        request.id,
                        name.removesuffix("_cents"),
                        *shown,
                        by=user.login,
                        at=now,
                        work_order_id=order.id,
                    )
                    setattr(order, name, new)
            order.updated_at = now
            return work_order_view(session, order)

        return await self._db.run_write(work)

    async def add_part(
        self, number: str, data: PartLineIn | dict[str, Any], *, actor: str
    ) -> WorkOrderView:
        """Add a parts line (amount = quantity × unit price) to an open or done work order."""
        line = parse(PartLineIn, data)
        order_id = parse_number(WORK_ORDER_PREFIX, number)
        now = self.clock()
        price = cents(line.unit_price) or 0

        def work(session: Session) -> WorkOrderView:
            user = load_user(session, actor)
            request, order = lock_work_order(session, order_id)
            require_changeable(request, order, TAKES_PARTS)
            last, count = session.execute(
                select(func.max(WorkOrderPart.line_no), func.count()).where(
                    WorkOrderPart.work_order_id == order.id
                )
            ).one()
            if count >= MAX_PARTS:
                raise InvalidInputError(f"a work order has at most {MAX_PARTS} parts lines")
            part = WorkOrderPart(
                work_order_id=order.id,
                line_no=(last or 0) + 1,
                product_code=line.product_code,
                product_name=line.product_name,
                serial=line.serial,
                quantity=line.quantity,
                unit_price_cents=price,
                amount_cents=line.quantity * price,
            )
            session.add(part)
            record(
                session,
                request.id,
                "part",
                None,
                describe_part(part),
                by=user.login,
                at=now,
                work_order_id=order.id,
            )
            order.updated_at = now
            session.flush()
            return work_order_view(session, order)

        return await self._db.run_write(work)

    async def remove_part(self, number: str, line_no: int, *, actor: str) -> WorkOrderView:
        """Remove a parts line from an open or done work order."""
        line = parse(LineNoIn, {"line_no": line_no}).line_no
        order_id = parse_number(WORK_ORDER_PREFIX, number)
        now = self.clock()

        def work(session: Session) -> WorkOrderView:
            user = load_user(session, actor)
            request, order = lock_work_order(session, order_id)
            require_changeable(request, order, TAKES_PARTS)
            part = session.scalars(
                select(WorkOrderPart).where(
                    WorkOrderPart.work_order_id == order.id, WorkOrderPart.line_no == line
                )
            ).one_or_none()
            if part is None:
                raise NotFoundError(f"no parts line {line} on {number}", line_no=line)
            record(
                session,
                request.id,
                "part",
                describe_part(part),
                None,
                by=user.login,
                at=now,
                work_order_id=order.id,
            )
            session.delete(part)
            order.updated_at = now
            session.flush()
            return work_order_view(session, order)

        return await self._db.run_write(work)

    async def get(self, number: str) -> WorkOrderView:
        """A work order by its ``WO-`` number."""
        order_id = parse_number(WORK_ORDER_PREFIX, number)

        def read(session: Session) -> WorkOrderView:
            order = session.get(WorkOrder, order_id)
            if order is None:
                raise NotFoundError(f"no work order {number!r}", number=number)
            return work_order_view(session, order)

        return await self._read(read)

    async def of_request(self, request_number: str) -> list[WorkOrderView]:
        """The work orders of a request, oldest first."""
        request_id = parse_number(REQUEST_PREFIX, request_number)

        def read(session: Session) -> list[WorkOrderView]:
            if session.get(ServiceRequest, request_id) is None:
                raise NotFoundError(f"no service request {request_number!r}", number=request_number)
            orders = session.scalars(
                select(WorkOrder).where(WorkOrder.request_id == request_id).order_by(WorkOrder.id)
            ).all()
            return [work_order_view(session, order) for order in orders]

        return await self._read(read)

    async def worklist(self, engineer: str) -> list[WorkOrderView]:
        """An engineer's open work orders, oldest first."""
        login = parse(EngineerIn, {"engineer": engineer}).engineer

        def read(session: Session) -> list[WorkOrderView]:
            user = load_user(session, login or "")
            orders = session.scalars(
                select(WorkOrder)
                .where(WorkOrder.engineer_id == user.id, WorkOrder.status.in_(OPEN_WORK_ORDER))
                .order_by(WorkOrder.id)
            ).all()
            return [work_order_view(session, order) for order in orders]

        return await self._read(read)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
