"""Defining points rules, with overlapping definitions refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import NotFoundError
from crm_core.loyalty.exceptions import OverlappingRuleError
from crm_core.loyalty.models import BonusEvent, PointsRule, RuleKind
from crm_core.loyalty.rules import AmountTier, LineRule, Window, conflicting
from crm_core.loyalty.schemas import RuleView
from crm_core.validation import parse


class RuleIn(BaseModel):
    """A rule definition as an operator gives it; amounts in currency units (yuan)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    kind: RuleKind
    name: str = Field(min_length=1, max_length=200)
    valid_from: datetime
    valid_to: datetime | None = None
    threshold: Decimal | None = Field(None, ge=0, decimal_places=2)
    product_code: str | None = Field(None, min_length=1, max_length=64)
    category: str | None = Field(None, min_length=1, max_length=64)
    event: BonusEvent | None = None
    multiplier: Decimal = Field(Decimal(0), ge=0, le=1000, decimal_places=4)
    offset_points: int = Field(0, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if self.valid_from.tzinfo is None or (self.valid_to and self.valid_to.tzinfo is None):
            raise ValueError("validity times need a time zone")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        needs: dict[RuleKind, Sequence[str]] = {
            RuleKind.ORDER_AMOUNT: ("threshold",),
            RuleKind.ORDER_LINE: (),
            RuleKind.EVENT: ("event",),
        }
        for name in needs[self.kind]:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.kind.value} rule needs {name}")
        if self.kind is RuleKind.ORDER_LINE and (self.product_code is None) == (
            self.category is None
        ):
            raise ValueError("an order-line rule names either a product or a category")
        if self.kind is RuleKind.EVENT and (self.offset_points <= 0 or self.multiplier):
            raise ValueError("an event rule grants a fixed number of points (offset_points > 0)")
        if self.kind is not RuleKind.EVENT and self.multiplier == 0 and self.offset_points == 0:
            raise ValueError("a rule that grants nothing is not a rule")
        return self

    def key(self) -> tuple[str, object]:
        """What two rules must not share while both are valid."""
        match self.kind:
            case RuleKind.ORDER_AMOUNT:
                return ("threshold", int(self.threshold * 100) if self.threshold is not None else 0)
            case RuleKind.ORDER_LINE if self.product_code is not None:
                return ("product", self.product_code)
            case RuleKind.ORDER_LINE:
                return ("category", self.category)
            case _:
                return ("event", self.event)


def _key(rule: PointsRule) -> tuple[str, object]:
    match rule.kind:
        case RuleKind.ORDER_AMOUNT:
            return ("threshold", rule.threshold_cents)
        case RuleKind.ORDER_LINE if rule.product_code is not None:
            return ("product", rule.product_code)
        case RuleKind.ORDER_LINE:
            return ("category", rule.category)
        case _:
            return ("event", rule.event)


def rule_view(rule: PointsRule) -> RuleView:
    """The data object of a rule row."""
    return RuleView(
        rule_id=rule.id,
        kind=rule.kind,
        name=rule.name,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        threshold_cents=rule.threshold_cents,
        product_code=rule.product_code,
        category=rule.category,
        event=rule.event,
        multiplier=rule.multiplier,
        offset_points=rule.offset_points,
    )


def order_rules_at(session: Session, at: datetime) -> tuple[list[AmountTier], list[LineRule]]:
    """The order-amount tiers and order-line rules valid at ``at``."""
    rules = session.scalars(
        select(PointsRule).where(
            PointsRule.kind.in_([RuleKind.ORDER_AMOUNT, RuleKind.ORDER_LINE]),
            PointsRule.valid_from <= at,
            (PointsRule.valid_to.is_(None)) | (PointsRule.valid_to > at),
        )
    )
    tiers: list[AmountTier] = []
    lines: list[LineRule] = []
    for rule in rules:
        window = Window(rule.valid_from, rule.valid_to)
        if rule.kind is RuleKind.ORDER_AMOUNT:
            tiers.append(
                AmountTier(
                    rule.id,
                    rule.name,
                    window,
                    rule.threshold_cents or 0,
                    rule.multiplier,
                    rule.offset_points,
                )
            )
        else:
            lines.append(
                LineRule(
                    rule.id,
                    rule.name,
                    window,
                    rule.product_code,
                    rule.category,
                    rule.multiplier,
                    rule.offset_points,
                )
            )
    return tiers, lines


class RuleService:
    """Points rules (积分规则) and their validity windows."""

    def __init__(self, *, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def define(self, data: RuleIn | dict[str, object], *, actor: str) -> RuleView:
        """Add a rule; one that overlaps a rule for the same thing is refused."""
        rule_in = parse(RuleIn, data)

        def work(session: Session) -> RuleView:
            same_kind = session.scalars(select(PointsRule).where(PointsRule.kind == rule_in.kind))
            window = Window(rule_in.valid_from, rule_in.valid_to)
            clashes = conflicting(
                rule_in.key(),
                window,
                ((_key(r), Window(r.valid_from, r.valid_to), r.id) for r in same_kind),
            )
            if clashes:
                raise OverlappingRuleError(
                    f"rule {rule_in.name!r} overlaps rule(s) {clashes} for the same "
                    f"{rule_in.key()[0]} in time",
                    rule_ids=clashes,
                )
            rule = PointsRule(
                kind=rule_in.kind,
                name=rule_in.name,
                valid_from=rule_in.valid_from,
                valid_to=rule_in.valid_to,
                threshold_cents=(
                    int(rule_in.threshold * 100) if rule_in.threshold is not None else None
                ),
                product_code=rule_in.product_code,
                category=rule_in.category,
                event=rule_in.event,
                multiplier=rule_in.multiplier,
                offset_points=rule_in.offset_points,
                created_by=actor,
                created_at=self.clock(),
            )
            session.add(rule)
            session.flush()
            return rule_view(rule)

        return await self._db.run_write(work)

    async def end(self, rule_id: int, *, at: datetime | None = None) -> RuleView:
        """Close a rule's window at ``at`` (now by default); history keeps using it."""
        moment = at or self.clock()

        def work(session: Session) -> RuleView:
            rule = session.get(PointsRule, rule_id)
            if rule is None:
                raise NotFoundError(f"no rule {rule_id}", rule_id=rule_id)
            if moment <= rule.valid_from:
                raise OverlappingRuleError("a rule cannot end before it starts", rule_id=rule_id)
            if rule.valid_to is None or rule.valid_to > moment:
                rule.valid_to = moment
            return rule_view(rule)

        return await self._db.run_write(work)

    async def list(
        self, *, kind: Literal["all"] | RuleKind = "all", at: datetime | None = None
    ) -> list[RuleView]:
        """Rules, optionally only of one kind or only those valid at ``at``."""
        query = select(PointsRule).order_by(
            PointsRule.kind, PointsRule.threshold_cents, PointsRule.id
        )
        if kind != "all":
            query = query.where(PointsRule.kind == kind)
        if at is not None:
            query = query.where(
                PointsRule.valid_from <= at,
                (PointsRule.valid_to.is_(None)) | (PointsRule.valid_to > at),
            )
        async with self._db.read() as session:
            return [rule_view(rule) for rule in await session.scalars(query)]
