"""Pure points rules: how one order earns points, and which rule sets are ambiguous.

How rules combine for one order (the documented contract, see docs/points-rules.md):

1. **Order-amount tiers.** Of the tiers valid at the order time, the one with the
   highest threshold not above the order total applies, and only that one:
   ``floor(total × multiplier) + offset`` with the total in currency units (yuan).
   No tier reached → 0 from this part.
2. **Order-line rules** add a bonus per line on top of the tier points. For each line
   at most one rule applies: a rule naming the line's product beats a rule naming its
   category. Line bonus = ``floor(line amount × multiplier) + offset``.
3. The order earns the sum of both parts (never negative: multipliers and offsets
   are ≥ 0). Event bonuses (registration, referral, new organisation member) are
   separate postings, never part of an order.

Two rules that would apply to the same thing at the same time (same tier threshold,
same product, same category or same event, with overlapping validity windows) are
rejected when the second is defined.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

CENTS_PER_UNIT = Decimal(100)


@dataclass(frozen=True)
class Window:
    """A validity window ``[start, end)``; ``end`` None means open-ended."""

    start: datetime
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside the window."""
        return self.start <= moment and (self.end is None or moment < self.end)

    def overlaps(self, other: Window) -> bool:
        """Whether the two windows share any moment."""
        starts_before_other_ends = other.end is None or self.start < other.end
        other_starts_before_end = self.end is None or other.start < self.end
        return starts_before_other_ends and other_starts_before_end


@dataclass(frozen=True)
class AmountTier:
    """``total ≥ threshold → total × multiplier + offset``."""

    rule_id: int
    name: str
    window: Window
    threshold_cents: int
    multiplier: Decimal
    offset_points: int


@dataclass(frozen=True)
class LineRule:
    """A bonus for order lines of one product or one category."""

    rule_id: int
    name: str
    window: Window
    product_code: str | None
    category: str | None
    multiplier: Decimal
    offset_points: int


@dataclass(frozen=True)
class LineInput:
    """What the rules need to know of one order line."""

    product_code: str
    category: str
    quantity: int
    amount_cents: int


@dataclass(frozen=True)
class RulePart:
    """Points one rule contributed to an order."""

    rule_id: int
    name: str
    points: int


@dataclass(frozen=True)
class OrderPoints:
    """The points an order earns and which rules gave them."""

    total: int
    parts: tuple[RulePart, ...]

    @property
    def main_rule_id(self) -> int | None:
        """The tier rule if one applied, else the first line rule."""
        return self.parts[0].rule_id if self.parts else None

    def describe(self) -> str:
        """A one-line account of the calculation for the ledger."""
        return "; ".join(f"{part.name}: {part.points}" for part in self.parts)


def _scaled(amount_cents: int, multiplier: Decimal, offset_points: int) -> int:
    return math.floor(Decimal(amount_cents) / CENTS_PER_UNIT * multiplier) + offset_points


def points_for_order(
    *,
    ordered_at: datetime,
    total_cents: int,
    lines: Sequence[LineInput],
    tiers: Iterable[AmountTier],
    line_rules: Iterable[LineRule],
) -> OrderPoints:
    """The points an order earns under the rules valid at ``ordered_at``."""
    parts: list[RulePart] = []
    reached = [
        tier
        for tier in tiers
        if tier.window.contains(ordered_at) and tier.threshold_cents <= total_cents
    ]
    if reached:
        tier = max(reached, key=lambda t: t.threshold_cents)
        parts.append(
            RulePart(
                tier.rule_id, tier.name, _scaled(total_cents, tier.multiplier, tier.offset_points)
            )
        )
    active_line_rules = [rule for rule in line_rules if rule.window.contains(ordered_at)]
    by_product = {r.product_code: r for r in active_line_rules if r.product_code is not None}
    by_category = {r.category: r for r in active_line_rules if r.category is not None}
    for line in lines:
        rule = by_product.get(line.product_code) or by_category.get(line.category)
        if rule is not None:
            parts.append(
                RulePart(
                    rule.rule_id,
                    rule.name,
                    _scaled(line.amount_cents, rule.multiplier, rule.offset_points),
                )
            )
    return OrderPoints(total=sum(part.points for part in parts), parts=tuple(parts))


def conflicting(
    new_key: object, new_window: Window, existing: Iterable[tuple[object, Window, int]]
) -> list[int]:
    """Ids of existing rules with the same key whose window overlaps ``new_window``."""
    return [
        rule_id
        for key, window, rule_id in existing
        if key == new_key and window.overlaps(new_window)
    ]
