"""What the service-desk services take: validated input models (unknown keys are errors)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from crm_core.calls.schemas import LINKED_ID
from crm_core.service_desk.kinds import PlanKind, RequestChannel, RequestType

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
MAX_MONEY = Decimal("100000000")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the time needs a time zone")
    return value


Line200 = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL)]
Line100 = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL)]
Line64 = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Reason = Annotated[str, Field(min_length=1, max_length=400, pattern=NO_CONTROL)]
Login = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL)]
QueueName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
MemberNumber = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_CONTROL)]
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, decimal_places=2)]
Hours = Annotated[Decimal, Field(ge=0, le=10000, decimal_places=2)]
AwareTime = Annotated[datetime, AfterValidator(_aware)]
Priority = Annotated[int, Field(ge=1, le=4)]
Level = Annotated[int, Field(ge=1, le=5)]
Id = Annotated[int, Field(gt=0, lt=2**31)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _ordered(start: datetime | None, finish: datetime | None) -> None:
    if start is not None and finish is not None and finish < start:
        raise ValueError("the planned finish is before the planned start")


class RequestCreate(_Input):
    """A new service request; priority is derived unless given with a reason."""

    subject: Line200
    request_type: RequestType
    member_number: MemberNumber
    category: Line64 | None = None
    contact_phone: Annotated[str, Field(max_length=32)] | None = None
    asset_id: Id | None = None
    queue: QueueName | None = None
    owner: Login | None = None
    department: Line64 | None = None
    channel: RequestChannel = RequestChannel.PHONE
    call_id: Id | None = None
    call_linked_id: str | None = Field(
        None, pattern=LINKED_ID, description="the call's Asterisk linked id, live or logged"
    )
    description: Text | None = None
    planned_start: AwareTime | None = None
    planned_finish: AwareTime | None = None
    priority: Priority | None = None
    priority_reason: Reason | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _ordered(self.planned_start, self.planned_finish)
        if self.call_id is not None and self.call_linked_id is not None:
            raise ValueError("give the call's record id or its linked id, not both")
        if (self.priority is None) != (self.priority_reason is None):
            raise ValueError("a priority override needs both priority and priority_reason")
        return self


class RequestUpdate(_Input):
    """Changes to a request; only the fields given change (``None`` clears a field)."""

    subject: Line200 | None = None
    category: Line64 | None = None
    contact_phone: Annotated[str, Field(max_length=32)] | None = None
    asset_id: Id | None = None
    queue: QueueName | None = None
    owner: Login | None = None
    department: Line64 | None = None
    description: Text | None = None
    planned_start: AwareTime | None = None
    planned_finish: AwareTime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if "subject" in self.model_fields_set and self.subject is None:
            raise ValueError("subject cannot be cleared")
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        _ordered(self.planned_start, self.planned_finish)
        return self


class WorkOrderCreate(_Input):
    """A new work order for a request; the engineer may be named now or at dispatch."""

    engineer: Login | None = None
    description: Text | None = None
    planned_hours: Hours | None = None
    planned_start: AwareTime | None = None
    planned_finish: AwareTime | None = None
    budget: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _ordered(self.planned_start, self.planned_finish)
        return self


class WorkOrderUpdate(WorkOrderCreate):
    """Changes to an open work order; only the fields given change."""

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class WorkOrderFinish(_Input):
    """What the engineer reports when the work is done."""

    result: Text
    actual_hours: Hours | None = None
    actual_cost: Money | None = None


class PartLineIn(_Input):
    """A parts line: the amount is quantity × unit price."""

    product_code: Line64
    product_name: Line200
    serial: Line64 | None = None
    quantity: int = Field(gt=0, le=100_000)
    unit_price: Money


class AssetCreate(_Input):
    """A product a member owns, identified by product code and serial number."""

    product_code: Line64
    product_name: Line200
    serial: Line64
    purchase_date: date | None = None
    warranty_end: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (
            self.purchase_date is not None
            and self.warranty_end is not None
            and self.warranty_end < self.purchase_date
        ):
            raise ValueError("the warranty ends before the purchase date")
        return self


class AssetUpdate(_Input):
    """Changes to an asset's name, purchase date or warranty end."""

    product_name: Line200 | None = None
    purchase_date: date | None = None
    warranty_end: date | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        if "product_name" in self.model_fields_set and self.product_name is None:
            raise ValueError("product_name cannot be cleared")
        return self


class QueueCreate(_Input):
    """A new service queue."""

    name: QueueName
    display_name: Line100
    owner: Login | None = None


class PlanCriteria(_Input):
    """The query behind a plan: a window in days plus optional member filters.

    ``birthday_care`` finds members whose birthday falls within ``within_days`` of today;
    ``warranty_expiry`` finds assets (of ``product_code`` if given) whose warranty ends
    within ``within_days``; ``custom`` finds the members the filters select, due
    ``due_in_days`` from today. The member filters narrow every kind.
    """

    within_days: int = Field(7, ge=0, le=366)
    due_in_days: int = Field(0, ge=0, le=366)
    product_code: Line64 | None = None
    levels: list[Level] | None = Field(None, min_length=1, max_length=5)
    member_type: Line64 | None = None
    province: Line64 | None = None
    city: Line64 | None = None
    customer_category: Line64 | None = None

    def member_filters(self) -> dict[str, object]:
        """The member filters that are set."""
        names = ("levels", "member_type", "province", "city", "customer_category")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class PlanCreate(_Input):
    """A new active service plan worked through one queue."""

    name: Line200
    kind: PlanKind
    queue: QueueName
    description: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    criteria: PlanCriteria = PlanCriteria()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is PlanKind.CUSTOM and not self.criteria.member_filters():
            raise ValueError("a custom plan needs at least one member filter")
        if self.kind is not PlanKind.WARRANTY_EXPIRY and self.criteria.product_code:
            raise ValueError("product_code only narrows warranty_expiry plans")
        return self


class TaskRequest(_Input):
    """A service request opened from a plan task (member, asset, queue come from the task)."""

    subject: Line200 | None = None
    request_type: RequestType
    category: Line64 | None = None
    owner: Login | None = None
    description: Text | None = None


class ReasonIn(_Input):
    """A required reason (cancelling, reopening)."""

    reason: Reason


class NoteIn(_Input):
    """An optional note on a transition."""

    note: Reason | None = None


class ResultIn(_Input):
    """The result a request is resolved with."""

    result: Text


class PriorityOverride(_Input):
    """A priority set by hand, with the reason."""

    priority: Priority
    reason: Reason


class EngineerIn(_Input):
    """The engineer a work order goes to (or whose worklist is read)."""

    engineer: Login | None = None


class SignOffIn(_Input):
    """The customer who signed the work off."""

    signed_off_by: Line100


class LineNoIn(_Input):
    """A parts line number."""

    line_no: int = Field(gt=0, lt=10_000)


class PriorityRuleIn(_Input):
    """One cell of the priority table: requests of this type from members of this level."""

    request_type: RequestType
    member_level: Level
    priority: Priority


class SlaRuleIn(_Input):
    """One row of the SLA table (at most a year; resolution no sooner than response)."""

    request_type: RequestType
    priority: Priority
    response_minutes: int = Field(gt=0, le=366 * 24 * 60)
    resolution_minutes: int = Field(gt=0, le=366 * 24 * 60)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.resolution_minutes < self.response_minutes:
            raise ValueError("resolution_minutes is shorter than response_minutes")
        return self
