"""Property tests: random sequences of earn/redeem/expire/adjust keep the ledger's invariants.

A plain-Python model of lots runs beside the real ledger; after every step the valid
balance must agree with the model, and at the end valid = open lots = ledger sum,
cumulative = grants − corrections, nothing negative.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_core.loyalty.exceptions import InsufficientPointsError
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.postgres import PostgresServer

VALIDITY = timedelta(days=730)

Step = tuple[str, int, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("gift"), st.integers(1, 5000), st.integers(1, 400)),
        st.tuples(st.just("redeem"), st.integers(1, 4000), st.just(0)),
        st.tuples(st.just("adjust"), st.integers(-3000, 3000).filter(bool), st.just(0)),
        st.tuples(st.just("advance"), st.integers(1, 200), st.booleans().map(int)),
        st.tuples(st.just("retry"), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Model:
    """What the ledger should hold: lots as [expires_at, remaining] in grant order."""

    lots: list[list[object]] = field(default_factory=list)
    cumulative: int = 0

    def expire(self, now: datetime) -> None:
        for lot in self.lots:
            if lot[0] <= now:  # type: ignore[operator]
                lot[1] = 0

    @property
    def valid(self) -> int:
        return sum(int(remaining) for _, remaining in self.lots)  # type: ignore[call-overload]

    def by_expiry(self) -> dict[object, int]:
        totals: dict[object, int] = {}
        for expires_at, remaining in self.lots:
            if remaining:
                totals[expires_at] = totals.get(expires_at, 0) + int(remaining)  # type: ignore[call-overload]
        return totals

    def spend(self, points: int, now: datetime) -> bool:
        self.expire(now)
        if self.valid < points:
            return False
        for lot in sorted(self.lots, key=lambda lot: lot[0]):  # type: ignore[arg-type,return-value]
            taken = min(int(lot[1]), points)  # type: ignore[call-overload]
            lot[1] = int(lot[1]) - taken  # type: ignore[call-overload]
            points -= taken
        return True


async def run_steps(crm: Crm, clock: Clock, member: str, plan: list[Step]) -> None:
    model = Model()
    last: tuple[str, int, datetime, str] | None = None
    for index, (kind, amount, extra) in enumerate(plan):
        key = f"step-{index}"
        now = clock()
        expires_at = now + timedelta(days=extra)
        if kind == "retry":  # the same request again, whatever happened since
            if last is None:
                continue
            kind, amount, expires_at, key = last
        if kind == "gift":
            posting = await crm.points.gift(
                member,
                amount,
                reason="r",
                operator="op",
                idempotency_key=key,
                expires_at=expires_at,
            )
            if not posting.replayed:
                model.expire(now)
                model.lots.append([expires_at, amount])
                model.cumulative += amount
        elif kind in ("redeem", "adjust") and not (kind == "adjust" and amount > 0):
            points = amount if kind == "redeem" else -amount
            try:
                if kind == "redeem":
                    posting = await crm.points.redeem(
                        member, points, item="x", operator="op", idempotency_key=key
                    )
                else:
                    posting = await crm.points.adjust(
                        member, amount, reason="fix", operator="op", idempotency_key=key
                    )
            except InsufficientPointsError:
                model.expire(now)
                assert model.valid < points
            else:
                if not posting.replayed:
                    assert model.spend(points, now)
                    if kind == "adjust":
                        model.cumulative -= points
        elif kind == "adjust":
            posting = await crm.points.adjust(
                member, amount, reason="fix", operator="op", idempotency_key=key
            )
            if not posting.replayed:
                model.expire(now)
                model.lots.append([now + VALIDITY, amount])
                model.cumulative += amount
        elif kind == "advance":
            clock.advance(days=amount)
            if extra:
                await crm.points.expire()
            model.expire(clock())
        if kind != "advance":
            last = (kind, amount, expires_at, key)
        summary = await crm.points.summary(member, expiring_within_days=100_000)
        model.expire(clock())
        assert summary.valid == model.valid
        assert summary.cumulative == model.cumulative
        assert {lot.expires_at: lot.points for lot in summary.expiring_soon} == model.by_expiry()
    assert await crm.points.check_invariants() == []


PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(plan=steps)
async def test_ledger_invariants_hold_on_sqlite(sqlite_template: Path, plan: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "crm.db"
        shutil.copyfile(sqlite_template, path)
        clock = Clock()
        crm = build_crm(database_url=f"sqlite+aiosqlite:///{path}", clock=clock)
        try:
            member = (await crm.members.create({"name": "李娜"}, actor="t")).number
            await run_steps(crm, clock, member, plan)
        finally:
            await crm.close()


_pg_examples = itertools.count(1)


@pytest.mark.postgres
@settings(PROPERTY_SETTINGS, max_examples=15)
@given(plan=steps)
async def test_ledger_invariants_hold_on_postgres(
    postgres: PostgresServer, postgres_template: str, plan: list[Step]
) -> None:
    url = postgres.create_database(f"crm_prop_{next(_pg_examples)}", template=postgres_template)
    clock = Clock()
    crm = build_crm(database_url=url, clock=clock)
    try:
        member = (await crm.members.create({"name": "李娜"}, actor="t")).number
        await run_steps(crm, clock, member, plan)
    finally:
        await crm.close()
