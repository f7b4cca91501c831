"""Recording orders and earning their points in the same transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.errors import ConflictError, NotFoundError
from crm_core.loyalty.ledger import PostingRequest
from crm_core.loyalty.models import Operation, PointsEntry
from crm_core.loyalty.rule_service import order_rules_at
from crm_core.loyalty.rules import LineInput, points_for_order
from crm_core.loyalty.services import PointsService
from crm_core.members.models import Member
from crm_core.orders.models import Order, OrderLine
from crm_core.validation import parse

MAX_AMOUNT = Decimal("100000000")  # one hundred million per line


class OrderLineIn(BaseModel):
    """One line of a new order; the amount is the line total in currency units."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    product_code: str = Field(min_length=1, max_length=64)
    product_name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, decimal_places=2)


class OrderIn(BaseModel):
    """A new order; ``order_ref`` is the shop system's id and the idempotency key."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    order_ref: str = Field(min_length=1, max_length=64)
    member_number: str = Field(min_length=1, max_length=12)
    ordered_at: datetime
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    channel: str | None = Field(None, max_length=32)

    @field_validator("ordered_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the order time needs a time zone")
        return value

    def content_hash(self) -> str:
        """SHA-256 of the order's content."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class OrderResult:
    """A recorded order and the points it earned (``replayed`` for a repeated call)."""

    order_ref: str
    member_number: str
    total_cents: int
    points: int
    rule_detail: str | None
    valid_after: int | None
    replayed: bool = False


@dataclass(frozen=True)
class OrderLineView:
    """One line of a recorded order."""

    product_code: str
    product_name: str
    category: str
    quantity: int
    amount_cents: int


@dataclass(frozen=True)
class OrderView:
    """A recorded order."""

    order_ref: str
    ordered_at: datetime
    total_cents: int
    channel: str | None
    lines: tuple[OrderLineView, ...]


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


class OrderService:
    """Orders (消费) as the source of earned points."""

    def __init__(self, *, db: Database, points: PointsService) -> None:
        self._db = db
        self._points = points

    async def record(self, data: OrderIn | dict[str, Any], *, operator: str) -> OrderResult:
        """Record an order and post its points; a repeated identical order changes nothing."""
        order_in = parse(OrderIn, data)
        return await self._db.run_write(
            partial(self.record_in, order_in=order_in, operator=operator)
        )

    def record_in(self, session: Session, *, order_in: OrderIn, operator: str) -> OrderResult:
        """Record inside a caller's unit of work (seeding, imports)."""
        content_hash = order_in.content_hash()
        existing = session.scalars(
            select(Order).where(Order.order_ref == order_in.order_ref)
        ).one_or_none()
        if existing is not None:
            if existing.content_hash != content_hash:
                raise ConflictError(
                    f"order {order_in.order_ref} was already recorded with other content",
                    order_ref=order_in.order_ref,
                )
            return self._result(session, existing, order_in.member_number, replayed=True)
        member_id = session.scalar(select(Member.id).where(Member.number == order_in.member_number))
        if member_id is None:
            raise NotFoundError(
                f"no member {order_in.member_number!r}", member_number=order_in.member_number
            )
        order = Order(
            order_ref=order_in.order_ref,
            member_id=member_id,
            ordered_at=order_in.ordered_at,
            total_cents=sum(_cents(line.amount) for line in order_in.lines),
            channel=order_in.channel,
            content_hash=content_hash,
            created_at=self._points.clock(),
            lines=[
                OrderLine(
                    position=i,
                    product_code=line.product_code,
                    product_name=line.product_name,
                    category=line.category,
                    quantity=line.quantity,
                    amount_cents=_cents(line.amount),
                )
                for i, line in enumerate(order_in.lines)
            ],
        )
        session.add(order)
        session.flush()
        tiers, line_rules = order_rules_at(session, order_in.ordered_at)
        earned = points_for_order(
            ordered_at=order_in.ordered_at,
            total_cents=order.total_cents,
            lines=[
                LineInput(line.product_code, line.category, line.quantity, line.amount_cents)
                for line in order.lines
            ],
            tiers=tiers,
            line_rules=line_rules,
        )
        expires_at = order_in.ordered_at + self._points.validity
        if earned.total > 0 and expires_at > self._points.clock():
            posting = self._points.post_in(
                session,
                PostingRequest(
                    member_number=order_in.member_number,
                    operation=Operation.EARN,
                    points=earned.total,
                    operator=operator,
                    idempotency_key=f"order:{order_in.order_ref}",
                    order_id=order.id,
                    rule_id=earned.main_rule_id,
                    rule_detail=earned.describe()[:400],
                    granted_at=order_in.ordered_at,
                ),
            )
            return OrderResult(
                order.order_ref,
                order_in.member_number,
                order.total_cents,
                posting.points,
                earned.describe(),
                posting.valid_after,
            )
        return OrderResult(
            order.order_ref,
            order_in.member_number,
            order.total_cents,
            0,
            earned.describe() or None,
            None,
        )

    @staticmethod
    def _result(
        session: Session, order: Order, member_number: str, *, replayed: bool
    ) -> OrderResult:
        entry = session.scalars(
            select(PointsEntry).where(PointsEntry.idempotency_key == f"order:{order.order_ref}")
        ).one_or_none()
        return OrderResult(
            order.order_ref,
            member_number,
            order.total_cents,
            entry.points if entry else 0,
            entry.rule_detail if entry else None,
            entry.valid_after if entry else None,
            replayed=replayed,
        )
