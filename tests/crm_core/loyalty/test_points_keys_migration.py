"""Migration 0013 moves the keys people chose (gifts, adjustments, redemptions) into their
operator's namespace, as the service now stores them; the system's and the demo's keys
stay. A key an agent squatted before the upgrade stops blocking the system's."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import text

from crm_core.db.engine import create_engine
from crm_core.db.migrate import upgrade
from crm_core.wiring import build_crm
from tests.conftest import Clock
from tests.support.crm import brochure_rules

_names = itertools.count(1)
AT = "2026-03-01 09:00:00.000000"
ENTRIES = [  # operation, points, operator, key
    ("bonus", 1000, "system", "registration:I-00000001"),
    ("gift", 5, "agent7", "registration:I-00000002"),  # squatted before the upgrade
    ("redeem", -5, "agent7", "redeem-0001"),
    ("gift", 10, "demo.sup", "demo:birthday:1:2025"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables yet) on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/old.db"
    return str(request.getfixturevalue("postgres").create_database(f"crm_old_{next(_names)}"))


async def test_upgrading_namespaces_the_chosen_keys_and_frees_the_squatted_ones(
    blank_url: str, clock: Clock
) -> None:
    await upgrade(blank_url, "0012_campaigns")
    crm = build_crm(database_url=blank_url, clock=clock)
    try:
        first = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    finally:
        await crm.close()
    engine = create_engine(blank_url)
    try:
        async with engine.begin() as connection:
            for operation, points, operator, key in ENTRIES:
                await connection.execute(
                    text(
                        "INSERT INTO points_entries (member_id, created_at, operation, points,"
                        " valid_after, cumulative_after, operator, idempotency_key,"
                        f" request_hash, level_at_posting) VALUES (1, '{AT}', :operation, :points,"
                        " 0, 0, :operator, :key, '', 1)"
                    ),
                    {"operation": operation, "points": points, "operator": operator, "key": key},
                )  # fmt: skip
        await upgrade(blank_url)
        async with engine.connect() as connection:
            keys = (
                await connection.scalars(text("SELECT idempotency_key FROM points_entries"))
            ).all()
    finally:
        await engine.dispose()
    assert sorted(keys) == sorted(
        [
            "registration:I-00000001",
            "client:agent7:registration:I-00000002",
            "client:agent7:redeem-0001",
            "demo:birthday:1:2025",
        ]
    )
    crm = build_crm(database_url=blank_url, clock=clock)
    try:
        await brochure_rules(crm)
        second = await crm.members.create({"name": "王五", "phones": ["13900000000"]}, actor="t")
    finally:
        await crm.close()
    assert (first.number, second.number) == ("I-00000001", "I-00000002")
