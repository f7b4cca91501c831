"""Demo data (`ctidesk db seed --demo`), bulk members and the database summary."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from crm_core.db.migrate import upgrade
from crm_core.db.types import utcnow
from crm_core.io.bulk import bulk_phone, seed_bulk
from crm_core.io.demo import DatabaseNotEmptyError, DemoSummary, seed_demo
from crm_core.io.demo_desk import FRESH_POINTS, seed_demo_desk
from crm_core.loyalty.models import PointsEntry
from crm_core.members.models import Member, MemberCard, MemberChange, MemberPhone
from crm_core.orders.models import Order
from crm_core.wiring import Crm, build_crm
from cti.cli import app
from tests.support.crm import snapshot

CJK = re.compile(r"[\u4e00-\u9fff]")


async def fresh_crm(path: Path) -> Crm:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    return build_crm(database_url=url)


async def fingerprint(crm: Crm) -> dict[str, list[tuple[Any, ...]]]:
    """What must come out the same for the same seed: members, phones, cards, orders, ledger."""
    queries = {
        "members": select(Member.number, Member.name, Member.level, Member.member_type).order_by(
            Member.number
        ),
        "phones": select(Member.number, MemberPhone.e164)
        .join(MemberPhone, MemberPhone.member_id == Member.id)
        .order_by(Member.number, MemberPhone.position),
        "cards": select(MemberCard.card_number, MemberCard.chip_uid, MemberCard.status).order_by(
            MemberCard.card_number
        ),
        "orders": select(Order.order_ref, Order.total_cents).order_by(Order.order_ref),
        "ledger": select(
            Member.number, PointsEntry.operation, func.count(), func.sum(PointsEntry.points)
        )
        .join(PointsEntry, PointsEntry.member_id == Member.id)
        .group_by(Member.number, PointsEntry.operation)
        .order_by(Member.number, PointsEntry.operation),
    }
    async with crm.db.read() as session:
        return {
            name: [tuple(row) for row in (await session.execute(query)).all()]
            for name, query in queries.items()
        }


@pytest.fixture(scope="module")
async def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Crm, DemoSummary]]:
    """The demo set (200 members, default seed) in a database of its own."""
    crm = await fresh_crm(tmp_path_factory.mktemp("demo") / "crm.db")
    summary = await seed_demo(crm)
    yield crm, summary
    await crm.close()


async def test_demo_is_realistic_and_consistent(seeded: tuple[Crm, DemoSummary]) -> None:
    crm, summary = seeded
    assert await crm.points.check_invariants() == []
    assert summary.members == 200
    assert summary.individuals > summary.organisations > 0
    assert summary.cards_lost > 0
    assert summary.cards_replaced > 0
    assert summary.orders > 200
    assert summary.points_issued > summary.points_redeemed > 0
    assert summary.points_expired > 0
    assert summary.rules == 9
    async with crm.db.read() as session:
        names = list(await session.scalars(select(Member.name)))
        referred = await session.scalar(
            select(func.count()).select_from(Member).where(Member.referred_by_id.is_not(None))
        )
        changes = await session.scalar(select(func.count()).select_from(MemberChange))
        referral_bonuses = await session.scalar(
            select(func.count())
            .select_from(PointsEntry)
            .where(PointsEntry.idempotency_key.like("referral:%"))
        )
    assert any(CJK.search(name) and not name.endswith("公司") for name in names)
    assert any(name.endswith("有限公司") for name in names)
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][\w]+", name) for name in names)
    assert referred
    assert referred == referral_bonuses
    assert changes
    assert changes > 0
    assert crm.points.clock is utcnow  # restored after the replay
    first = await crm.members.get("I-00000001")
    assert first.phones
    assert first.phones[0].e164.startswith("+86")
    assert first.created_at is not None
    assert first.created_at.year <= 2025


async def test_the_same_seed_gives_the_same_data(
    seeded: tuple[Crm, DemoSummary], tmp_path: Path
) -> None:
    crm, summary = seeded
    again = await fresh_crm(tmp_path / "again.db")
    try:
        assert await seed_demo(again) == summary
        assert await fingerprint(again) == await fingerprint(crm)
    finally:
        await again.close()
    other = await fresh_crm(tmp_path / "other.db")
    try:
        await seed_demo(other, members=30, seed=7)
        assert (await fingerprint(other))["members"] != (await fingerprint(crm))["members"][:30]
    finally:
        await other.close()


async def test_seeding_twice_refuses_and_changes_nothing(
    seeded: tuple[Crm, DemoSummary],
) -> None:
    crm, _ = seeded
    before = await snapshot(crm.db)
    with pytest.raises(DatabaseNotEmptyError, match="200 members"):
        await seed_demo(crm)
    assert await snapshot(crm.db) == before


async def test_bulk_members_are_found_by_their_phone(sqlite_url: str) -> None:
    crm = build_crm(database_url=sqlite_url)
    try:
        loaded = await seed_bulk(crm, members=2_000, seed=1)
        assert (loaded.members, loaded.first_number, loaded.last_number) == (
            2_000,
            "I-00000001",
            "I-00002000",
        )
        phone = bulk_phone(1_234)
        national = phone.removeprefix("+86")
        for caller in (phone, national, "0086" + national):
            found = await crm.directory.lookup(caller)
            assert [member.number for member in found] == ["I-00001234"]
        more = await seed_bulk(crm, members=500, seed=2)
        assert (more.first_number, more.last_number) == ("I-00002001", "I-00002500")
        assert await crm.points.check_invariants() == []
        async with crm.db.read() as session:
            phones = await session.scalar(select(func.count(func.distinct(MemberPhone.e164))))
        assert phones == 2_500
        created = await crm.members.create({"name": "王伟", "phones": ["13912345678"]}, actor="t")
        assert created.number == "I-00002501"
    finally:
        await crm.close()


async def test_bulk_members_follow_demo_members(tmp_path: Path) -> None:
    crm = await fresh_crm(tmp_path / "crm.db")
    try:
        demo = await seed_demo(crm, members=20)
        loaded = await seed_bulk(crm, members=100, seed=1)
        assert loaded.first_number == f"I-{demo.individuals + 1:08d}"
        assert await crm.points.check_invariants() == []
        found = await crm.directory.lookup_e164(bulk_phone(demo.individuals + 1))
        assert [member.number for member in found] == [loaded.first_number]
    finally:
        await crm.close()


def test_cli_upgrade_seed_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "160"})
        return result.exit_code, result.output

    code, out = invoke("db", "seed", "--demo")
    assert code == 1
    assert "ctidesk db upgrade" in out
    assert invoke("db", "upgrade")[0] == 0
    code, out = invoke("db", "summary")
    assert code == 0
    assert "empty" in out
    code, out = invoke("db", "seed")
    assert code == 1
    assert "--demo" in out
    code, out = invoke("db", "seed", "--demo")
    assert code == 0
    assert "Demo data loaded" in out
    assert "200" in out
    code, out = invoke("db", "seed", "--demo")
    assert code == 1
    assert "database-not-empty" in out
    code, out = invoke("db", "seed", "--members", "300")
    assert code == 0
    assert "Loaded 300 members" in out
    code, out = invoke("db", "summary")
    assert code == 0
    for heading in ("Members", "Cards", "Orders", "Points", "Ledger", "Rules in force"):
        assert heading in out
    assert "金卡 Gold card" in out
    assert "jewellery" in out
    assert "500" in out


async def test_the_demo_callers_have_valid_points_calls_and_requests_today(tmp_path: Path) -> None:
    """The desk's first demo member (its oldest, whose replayed lots expired) pops with
    valid points, the next amount to expire, a call and an open request."""
    crm = await fresh_crm(tmp_path / "crm.db")
    try:
        now = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
        await seed_demo(crm, members=20, now=now)
        async with crm.db.read() as session:
            numbers = list(await session.scalars(select(Member.number).order_by(Member.id)))
        desk = await seed_demo_desk(crm, members=numbers, now=now)
        first = await crm.member360.view(desk.pin_members[0])
        assert first.points.valid >= sum(points for points, _ in FRESH_POINTS)
        assert first.points.expiring_soon[0].points == FRESH_POINTS[0][0]
        assert first.last_calls and first.open_requests
        assert await crm.points.check_invariants() == []
    finally:
        await crm.close()
