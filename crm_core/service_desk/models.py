"""Tables of the service desk: queues, priority and SLA tables, assets, requests with their
history, work orders with parts, and active service plans with their tasks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db.base import Base
from crm_core.db.types import DecimalText, UTCDateTime, string_enum, utcnow
from crm_core.service_desk.kinds import PlanKind, RequestChannel, RequestType, TaskStatus
from crm_core.service_desk.workflow import RequestStatus, WorkOrderStatus


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=16)


class ServiceQueue(Base):
    """A service queue (e.g. PC & digital engineers) with the user who owns it."""

    __tablename__ = "service_queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PriorityRule(Base):
    """The priority of a request of one type from a member of one level."""

    __tablename__ = "service_priority_rules"
    __table_args__ = (
        UniqueConstraint("request_type", "member_level", name="uq_service_priority_rules_key"),
        CheckConstraint("member_level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_type: Mapped[RequestType] = mapped_column(_enum(RequestType, "service_request_type"))
    member_level: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaRule(Base):
    """Response and resolution minutes for requests of one type and priority."""

    __tablename__ = "service_sla_rules"
    __table_args__ = (
        UniqueConstraint("request_type", "priority", name="uq_service_sla_rules_key"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint(
            "response_minutes > 0 AND resolution_minutes >= response_minutes", name="minutes"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_type: Mapped[RequestType] = mapped_column(_enum(RequestType, "service_request_type"))
    priority: Mapped[int] = mapped_column(Integer)
    response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberAsset(Base):
    """A product a member owns and uses, with its serial number and warranty end."""

    __tablename__ = "member_assets"
    __table_args__ = (
        UniqueConstraint("product_code", "serial", name="uq_member_assets_product_serial"),
        CheckConstraint(
            "warranty_end IS NULL OR purchase_date IS NULL OR warranty_end >= purchase_date",
            name="warranty_after_purchase",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    serial: Mapped[str] = mapped_column(String(64))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceRequest(Base):
    """A service request (服务请求); its public number is ``SR-`` and its id in 8 digits."""

    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        Index("ix_service_requests_member_created", "member_id", "created_at"),
        Index("ix_service_requests_queue_created", "queue_id", "created_at"),
        Index("ix_service_requests_owner_created", "owner_id", "created_at"),
        Index("ix_service_requests_status_due", "status", "resolution_due"),
        Index("ix_service_requests_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    request_type: Mapped[RequestType] = mapped_column(_enum(RequestType, "service_request_type"))
    category: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("member_assets.id"))
    priority: Mapped[int] = mapped_column(Integer)
    priority_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("service_queues.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "service_request_status"))
    channel: Mapped[RequestChannel] = mapped_column(_enum(RequestChannel, "service_channel"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call_records.id"), index=True)
    #: The linked id of the call it was opened on, pending until the call's record exists.
    call_linked_id: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(String(4000))
    result: Mapped[str | None] = mapped_column(String(4000))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_due: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_finish: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_finish: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceChange(Base):
    """One entry of a request's history: a status (of it or of a work order) or a field."""

    __tablename__ = "service_request_changes"
    __table_args__ = (Index("ix_service_request_changes_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(4000))
    new_value: Mapped[str | None] = mapped_column(String(4000))
    reason: Mapped[str | None] = mapped_column(String(400))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkOrder(Base):
    """A work order (工单) from a request; its public number is ``WO-`` and its id."""

    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint(
            "(budget_cents IS NULL OR budget_cents >= 0)"
            " AND (actual_cost_cents IS NULL OR actual_cost_cents >= 0)",
            name="costs_not_negative",
        ),
        Index("ix_work_orders_engineer_status", "engineer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    status: Mapped[WorkOrderStatus] = mapped_column(_enum(WorkOrderStatus, "work_order_status"))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str | None] = mapped_column(String(4000))
    planned_hours: Mapped[Decimal | None] = mapped_column(DecimalText)
    actual_hours: Mapped[Decimal | None] = mapped_column(DecimalText)
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_finish: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_finish: Mapped[datetime | None] = mapped_column(UTCDateTime)
    budget_cents: Mapped[int | None] = mapped_column(Integer)
    actual_cost_cents: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(String(4000))
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkOrderPart(Base):
    """A parts line of a work order: product, serial, quantity, unit price and amount."""

    __tablename__ = "work_order_parts"
    __table_args__ = (
        UniqueConstraint("work_order_id", "line_no", name="uq_work_order_parts_line"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint("amount_cents = quantity * unit_price_cents", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)


class ServicePlan(Base):
    """An active service plan: a query over members or assets whose matches become tasks."""

    __tablename__ = "service_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PlanKind] = mapped_column(_enum(PlanKind, "service_plan_kind"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("service_queues.id"))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanTask(Base):
    """One generated task of a plan: call this member (about this asset) by the due date."""

    __tablename__ = "service_plan_tasks"
    __table_args__ = (
        UniqueConstraint("plan_id", "dedup_key", name="uq_service_plan_tasks_plan_key"),
        Index("ix_service_plan_tasks_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("member_assets.id"))
    due_date: Mapped[date] = mapped_column(Date)
    dedup_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, "service_task_status"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    note: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
