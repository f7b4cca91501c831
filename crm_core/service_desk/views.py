"""What the service-desk services return: frozen data objects, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from crm_core.service_desk.kinds import PlanKind, RequestChannel, RequestType, TaskStatus
from crm_core.service_desk.schemas import PlanCriteria
from crm_core.service_desk.workflow import RequestAction, RequestStatus, WorkOrderStatus


@dataclass(frozen=True)
class ServiceQueueView:
    """A service queue and its owner's login."""

    name: str
    display_name: str
    owner: str | None
    active: bool


@dataclass(frozen=True)
class PriorityRuleView:
    """One cell of the priority table."""

    request_type: RequestType
    member_level: int
    priority: int


@dataclass(frozen=True)
class SlaRuleView:
    """One row of the SLA table."""

    request_type: RequestType
    priority: int
    response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class AssetView:
    """A member's asset."""

    id: int
    member_number: str
    product_code: str
    product_name: str
    serial: str
    purchase_date: date | None
    warranty_end: date | None


@dataclass(frozen=True)
class WorkOrderBrief:
    """A work order as listed on its request."""

    number: str
    status: WorkOrderStatus
    engineer: str | None


@dataclass(frozen=True)
class RequestView:
    """A service request with its deadlines, times, work orders and what may be done next.

    ``call_id``/``call_linked_id`` name the logged call it was opened on;
    ``pending_call_linked_id`` the live call it waits for until that call's record exists.
    """

    number: str
    subject: str
    request_type: RequestType
    category: str | None
    member_number: str
    member_name: str
    contact_phone: str | None
    asset_id: int | None
    priority: int
    priority_overridden: bool
    queue: str | None
    owner: str | None
    department: str | None
    status: RequestStatus
    channel: RequestChannel
    call_id: int | None
    call_linked_id: str | None
    pending_call_linked_id: str | None
    description: str | None
    result: str | None
    created_by: str
    created_at: datetime
    response_due: datetime
    resolution_due: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    planned_start: datetime | None
    planned_finish: datetime | None
    actual_start: datetime | None
    actual_finish: datetime | None
    work_orders: tuple[WorkOrderBrief, ...]
    allowed_actions: tuple[RequestAction, ...]


@dataclass(frozen=True)
class RequestBrief:
    """A request as listed: enough for a queue view or a member's open requests."""

    number: str
    subject: str
    request_type: RequestType
    member_number: str
    priority: int
    status: RequestStatus
    queue: str | None
    owner: str | None
    created_at: datetime
    resolution_due: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a request or of one of its work orders: what, from, to, who, when, why."""

    field: str
    old_value: str | None
    new_value: str | None
    reason: str | None
    changed_by: str
    changed_at: datetime
    work_order: str | None


@dataclass(frozen=True)
class OverdueRequest:
    """An open request past a deadline as of the service's clock."""

    number: str
    subject: str
    priority: int
    status: RequestStatus
    queue: str | None
    owner: str | None
    overdue: tuple[str, ...]
    due_at: datetime
    overdue_by: timedelta


@dataclass(frozen=True)
class PartLineView:
    """A parts line of a work order (money in cents)."""

    line_no: int
    product_code: str
    product_name: str
    serial: str | None
    quantity: int
    unit_price_cents: int
    amount_cents: int


@dataclass(frozen=True)
class WorkOrderView:
    """A work order with its parts (money in cents, hours as decimals)."""

    number: str
    request_number: str
    status: WorkOrderStatus
    engineer: str | None
    description: str | None
    planned_hours: Decimal | None
    actual_hours: Decimal | None
    planned_start: datetime | None
    planned_finish: datetime | None
    actual_start: datetime | None
    actual_finish: datetime | None
    budget_cents: int | None
    actual_cost_cents: int | None
    parts: tuple[PartLineView, ...]
    parts_total_cents: int
    result: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class PlanView:
    """An active service plan."""

    id: int
    name: str
    kind: PlanKind
    queue: str
    criteria: PlanCriteria
    description: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class GenerationResult:
    """What one run of a plan did: tasks due in ``[window_start, window_end]``."""

    plan_id: int
    window_start: date
    window_end: date
    matched: int
    created: int


@dataclass(frozen=True)
class TaskView:
    """A generated plan task."""

    id: int
    plan_id: int
    plan_name: str
    queue: str
    member_number: str
    member_name: str
    asset_id: int | None
    due_date: date
    status: TaskStatus
    request_number: str | None
    note: str | None


@dataclass(frozen=True)
class KpiFigures:
    """Service KPIs of one group of requests (a queue, an owner, or all).

    Rates are ``None`` when nothing could be measured yet; a request counts towards the
    1-hour response rate once it is accepted or an hour old, likewise for 24 hours.
    """

    group: str | None
    requests: int
    cancelled: int
    response_measured: int
    responded_within_1h: int
    response_rate: Decimal | None
    resolution_measured: int
    resolved_within_24h: int
    resolution_rate: Decimal | None
    overdue: int


@dataclass(frozen=True)
class ServiceKpis:
    """KPIs of the requests logged in ``[since, until)``, as of ``as_of``."""

    since: datetime
    until: datetime
    as_of: datetime
    total: KpiFigures
    by_queue: tuple[KpiFigures, ...]
    by_owner: tuple[KpiFigures, ...]
