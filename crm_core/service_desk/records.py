"""Building blocks of the request and work-order services inside one transaction:
status moves, work-order counts, logging a request, locking, and the data objects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.calls.links import call_for
from crm_core.calls.models import CallRecord
from crm_core.errors import NotFoundError
from crm_core.members.models import Member
from crm_core.members.phones import normalise
from crm_core.members.services import load_member
from crm_core.service_desk.common import (
    REQUEST_PREFIX,
    WORK_ORDER_PREFIX,
    load_queue,
    load_user,
    lock_request,
    login_of,
    money_text,
    public_number,
    queue_name_of,
    record,
)
from crm_core.service_desk.exceptions import AssetMismatchError, IllegalTransitionError
from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.models import (
    MemberAsset,
    PriorityRule,
    ServiceRequest,
    SlaRule,
    WorkOrder,
    WorkOrderPart,
)
from crm_core.service_desk.priority import derive_priority
from crm_core.service_desk.schemas import RequestCreate
from crm_core.service_desk.sla import SlaTerms, due_times, terms_for
from crm_core.service_desk.views import (
    PartLineView,
    RequestView,
    WorkOrderBrief,
    WorkOrderView,
)
from crm_core.service_desk.workflow import (
    FINAL_REQUEST,
    OPEN_WORK_ORDER,
    RequestAction,
    RequestStatus,
    WorkOrderStatus,
    allowed_request_actions,
)
from crm_core.staff.models import User


def work_order_counts(session: Session, request_id: int) -> tuple[int, int]:
    """(open, live) work orders of a request: live = not cancelled."""
    statuses = session.scalars(
        select(WorkOrder.status).where(WorkOrder.request_id == request_id)
    ).all()
    open_count = sum(1 for status in statuses if status in OPEN_WORK_ORDER)
    live_count = sum(1 for status in statuses if status is not WorkOrderStatus.CANCELLED)
    return open_count, live_count


def set_request_status(
    session: Session,
    request: ServiceRequest,
    target: RequestStatus,
    *,
    by: str,
    at: datetime,
    reason: str | None = None,
) -> None:
    """Move a request to ``target`` (already checked by the workflow) and record it."""
    if target is request.status:
        return
    record(session, request.id, "status", request.status, target, by=by, at=at, reason=reason)
    previous, request.status, request.updated_at = request.status, target, at
    if target is RequestStatus.ACCEPTED:
        request.accepted_at = at
    elif target is RequestStatus.IN_PROGRESS:
        if request.actual_start is None:
            request.actual_start = at
        if previous in (RequestStatus.RESOLVED, RequestStatus.FOLLOW_UP):
            request.resolved_at = None  # reopened: the resolution did not hold
    elif target is RequestStatus.RESOLVED:
        request.resolved_at = request.actual_finish = at
    elif target is RequestStatus.CLOSED:
        request.closed_at = at


def sla_terms(session: Session, request_type: RequestType, priority: int) -> SlaTerms:
    """The SLA table's terms for a type and priority (built-in default if no row)."""
    rule = session.scalars(
        select(SlaRule).where(SlaRule.request_type == request_type, SlaRule.priority == priority)
    ).one_or_none()
    table = (
        {}
        if rule is None
        else {(request_type, priority): SlaTerms(rule.response_minutes, rule.resolution_minutes)}
    )
    return terms_for(table, request_type, priority)


def asset_of(session: Session, asset_id: int, member_id: int) -> MemberAsset:
    """The asset, checked to belong to the member."""
    asset = session.get(MemberAsset, asset_id)
    if asset is None:
        raise NotFoundError(f"no asset {asset_id}", asset_id=asset_id)
    if asset.member_id != member_id:
        raise AssetMismatchError(f"asset {asset_id} belongs to another member", asset_id=asset_id)
    return asset


def create_request(
    session: Session,
    data: RequestCreate,
    *,
    actor: User,
    at: datetime,
    default_region: str,
) -> ServiceRequest:
    """Log a request: priority from the table (or the override), deadlines from the SLA."""
    member = load_member(session, data.member_number)
    if data.contact_phone:
        phone: str | None = normalise(data.contact_phone, default_region)
    else:
        phone = member.phones[0].e164 if member.phones else None
    if data.asset_id is not None:
        asset_of(session, data.asset_id, member.id)
    queue_id = load_queue(session, data.queue).id if data.queue else None
    owner_id = load_user(session, data.owner).id if data.owner else None
    call_id, call_linked_id = data.call_id, data.call_linked_id
    if call_id is not None:
        call = session.get(CallRecord, call_id)
        if call is None:
            raise NotFoundError(f"no call record {call_id}", call_id=call_id)
        call_linked_id = call.linked_id
    else:  # a live call is linked when the call log writes its record
        call_id = call_for(session, call_linked_id, member.id)
    rule = session.scalars(
        select(PriorityRule.priority).where(
            PriorityRule.request_type == data.request_type,
            PriorityRule.member_level == member.level,
        )
    ).one_or_none()
    table = {} if rule is None else {(data.request_type, member.level): rule}
    derived = derive_priority(table, data.request_type, member.level)
    priority = data.priority or derived
    response_due, resolution_due = due_times(at, sla_terms(session, data.request_type, priority))
    request = ServiceRequest(
        subject=data.subject,
        request_type=data.request_type,
        category=data.category,
        member_id=member.id,
        contact_phone=phone,
        asset_id=data.asset_id,
        priority=priority,
        priority_overridden=data.priority is not None,
        queue_id=queue_id,
        owner_id=owner_id,
        department=data.department,
        status=RequestStatus.NEW,
        channel=data.channel,
        call_id=call_id,
        call_linked_id=call_linked_id,
        description=data.description,
        created_by=actor.login,
        created_at=at,
        updated_at=at,
        response_due=response_due,
        resolution_due=resolution_due,
        planned_start=data.planned_start,
        planned_finish=data.planned_finish,
    )
    session.add(request)
    session.flush()
    record(session, request.id, "status", None, RequestStatus.NEW, by=actor.login, at=at)
    if data.priority is not None:
        record(
            session,
            request.id,
            "priority",
            derived,
            priority,
            by=actor.login,
            at=at,
            reason=data.priority_reason,
        )
    return request


def request_view(session: Session, request: ServiceRequest) -> RequestView:
    """The data object of a request, with its work orders and allowed next actions."""
    member_number, member_name = session.execute(
        select(Member.number, Member.name).where(Member.id == request.member_id)
    ).one()
    work_orders = session.execute(
        select(WorkOrder.id, WorkOrder.status, User.login)
        .outerjoin(User, User.id == WorkOrder.engineer_id)
        .where(WorkOrder.request_id == request.id)
        .order_by(WorkOrder.id)
    ).all()
    open_count = sum(1 for row in work_orders if row[1] in OPEN_WORK_ORDER)
    live_count = sum(1 for row in work_orders if row[1] is not WorkOrderStatus.CANCELLED)
    allowed = allowed_request_actions(
        request.status, open_work_orders=open_count, live_work_orders=live_count
    ) - {RequestAction.DISPATCH}  # dispatching is adding a work order
    return RequestView(
        number=public_number(REQUEST_PREFIX, request.id),
        subject=request.subject,
        request_type=request.request_type,
        category=request.category,
        member_number=member_number,
        member_name=member_name,
        contact_phone=request.contact_phone,
        asset_id=request.asset_id,
        priority=request.priority,
        priority_overridden=request.priority_overridden,
        queue=queue_name_of(session, request.queue_id),
        owner=login_of(session, request.owner_id),
        department=request.department,
        status=request.status,
        channel=request.channel,
        call_id=request.call_id,
        call_linked_id=request.call_linked_id if request.call_id is not None else None,
        pending_call_linked_id=request.call_linked_id if request.call_id is None else None,
        description=request.description,
        result=request.result,
        created_by=request.created_by,
        created_at=request.created_at,
        response_due=request.response_due,
        resolution_due=request.resolution_due,
        accepted_at=request.accepted_at,
        resolved_at=request.resolved_at,
        closed_at=request.closed_at,
        planned_start=request.planned_start,
        planned_finish=request.planned_finish,
        actual_start=request.actual_start,
        actual_finish=request.actual_finish,
        work_orders=tuple(
            WorkOrderBrief(public_number(WORK_ORDER_PREFIX, wo_id), status, engineer)
            for wo_id, status, engineer in work_orders
        ),
        allowed_actions=tuple(sorted(allowed)),
    )


def work_order_view(session: Session, order: WorkOrder) -> WorkOrderView:
    """The data object of a work order with its parts lines."""
    parts = session.scalars(
        select(WorkOrderPart)
        .where(WorkOrderPart.work_order_id == order.id)
        .order_by(WorkOrderPart.line_no)
    ).all()
    return WorkOrderView(
        number=public_number(WORK_ORDER_PREFIX, order.id),
        request_number=public_number(REQUEST_PREFIX, order.request_id),
        status=order.status,
        engineer=login_of(session, order.engineer_id),
        description=order.description,
        planned_hours=order.planned_hours,
        actual_hours=order.actual_hours,
        planned_start=order.planned_start,
        planned_finish=order.planned_finish,
        actual_start=order.actual_start,
        actual_finish=order.actual_finish,
        budget_cents=order.budget_cents,
        actual_cost_cents=order.actual_cost_cents,
        parts=tuple(
            PartLineView(
                line_no=part.line_no,
                product_code=part.product_code,
                product_name=part.product_name,
                serial=part.serial,
                quantity=part.quantity,
                unit_price_cents=part.unit_price_cents,
                amount_cents=part.amount_cents,
            )
            for part in parts
        ),
        parts_total_cents=sum(part.amount_cents for part in parts),
        result=order.result,
        signed_off_by=order.signed_off_by,
        signed_off_at=order.signed_off_at,
        created_by=order.created_by,
        created_at=order.created_at,
    )


def describe_part(part: WorkOrderPart) -> str:
    """A parts line as one line of history."""
    serial = f" s/n {part.serial}" if part.serial else ""
    return (
        f"#{part.line_no} {part.product_code} {part.product_name}{serial}"
        f" ×{part.quantity} @ {money_text(part.unit_price_cents)}"
        f" = {money_text(part.amount_cents)}"
    )


def lock_work_order(session: Session, work_order_id: int) -> tuple[ServiceRequest, WorkOrder]:
    """The work order and its request, locked request first (one lock order everywhere)."""
    request_id = session.scalar(select(WorkOrder.request_id).where(WorkOrder.id == work_order_id))
    if request_id is None:
        number = public_number(WORK_ORDER_PREFIX, work_order_id)
        raise NotFoundError(f"no work order {number}", number=number)
    request = lock_request(session, request_id)
    order = session.scalars(
        select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update()
    ).one()
    return request, order


def require_changeable(
    request: ServiceRequest, order: WorkOrder, allowed: frozenset[WorkOrderStatus]
) -> None:
    """Refuse changes to a work order outside ``allowed`` or of a closed/cancelled request."""
    if request.status in FINAL_REQUEST or order.status not in allowed:
        status = request.status if request.status in FINAL_REQUEST else order.status
        raise IllegalTransitionError(
            f"the work order cannot change: {'its request' if status is request.status else 'it'}"
            f" is {status.value}",
            status=status.value,
            action="update",
            allowed=[],
        )
