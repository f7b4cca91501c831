"""How one order earns points: tiers, line rules and windows (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm_core.loyalty.rules import (
    AmountTier,
    LineInput,
    LineRule,
    Window,
    conflicting,
    points_for_order,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ALWAYS = Window(T0, None)
BROCHURE = [
    AmountTier(1, "base", ALWAYS, 0, Decimal(1), 0),
    AmountTier(2, "5k", ALWAYS, 500_000, Decimal(1), 100),
    AmountTier(3, "10k", ALWAYS, 1_000_000, Decimal(1), 500),
]


def earn(
    total_cents: int,
    *lines: LineInput,
    line_rules: list[LineRule] | None = None,
    at: datetime = T0,
    tiers: list[AmountTier] = BROCHURE,
) -> int:
    return points_for_order(
        ordered_at=at,
        total_cents=total_cents,
        lines=lines,
        tiers=tiers,
        line_rules=line_rules or [],
    ).total


def test_the_highest_tier_reached_applies_alone() -> None:
    assert earn(499_999) == 4999
    assert earn(500_000) == 5100
    assert earn(999_999) == 9999 + 100
    assert earn(1_000_000) == 10_500
    assert earn(2_345_678) == 23_456 + 500


def test_fractions_of_points_are_dropped() -> None:
    half = [AmountTier(1, "half", ALWAYS, 0, Decimal("0.5"), 0)]
    assert earn(199, tiers=half) == 0
    assert earn(399, tiers=half) == 1


def test_no_tier_reached_earns_nothing_from_tiers() -> None:
    assert earn(100, tiers=[AmountTier(1, "big only", ALWAYS, 500_000, Decimal(1), 0)]) == 0


def test_line_rules_add_a_bonus_and_product_beats_category() -> None:
    jewellery = LineRule(10, "jewellery", ALWAYS, None, "jewellery", Decimal(1), 0)
    ring = LineRule(11, "ring R1", ALWAYS, "R1", None, Decimal(3), 50)
    lines = (
        LineInput("R1", "jewellery", 1, 100_000),
        LineInput("N2", "jewellery", 1, 20_000),
        LineInput("T", "home", 2, 30_000),
    )
    result = points_for_order(
        ordered_at=T0,
        total_cents=150_000,
        lines=lines,
        tiers=BROCHURE,
        line_rules=[jewellery, ring],
    )
    assert [(p.rule_id, p.points) for p in result.parts] == [(1, 1500), (11, 3050), (10, 200)]
    assert result.total == 1500 + 3050 + 200
    assert result.main_rule_id == 1
    assert result.describe() == "base: 1500; ring R1: 3050; jewellery: 200"


def test_rules_outside_their_window_do_not_apply() -> None:
    week = Window(T0, T0 + timedelta(days=7))
    double = [AmountTier(1, "double week", week, 0, Decimal(2), 0)]
    assert earn(10_000, tiers=double, at=T0 + timedelta(days=6, hours=23)) == 200
    assert earn(10_000, tiers=double, at=T0 + timedelta(days=7)) == 0
    assert earn(10_000, tiers=double, at=T0 - timedelta(seconds=1)) == 0


def test_windows_overlap_and_conflicts_are_found() -> None:
    jan = Window(T0, T0 + timedelta(days=31))
    feb = Window(T0 + timedelta(days=31), T0 + timedelta(days=59))
    open_from_feb = Window(T0 + timedelta(days=40), None)
    assert not jan.overlaps(feb) and not feb.overlaps(jan)
    assert feb.overlaps(open_from_feb) and ALWAYS.overlaps(jan)
    existing = [(("threshold", 0), jan, 1), (("threshold", 500), ALWAYS, 2)]
    assert conflicting(("threshold", 0), feb, existing) == []
    assert conflicting(("threshold", 0), ALWAYS, existing) == [1]
    assert conflicting(("threshold", 500), feb, existing) == [2]
