"""Small builders shared by the integration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from crm_core.db.engine import Database
from crm_core.db.metadata import metadata
from crm_core.wiring import Crm

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


async def brochure_rules(crm: Crm) -> None:
    """The brochure's rules: tiers 0/5,000/10,000, jewellery bonus, event bonuses."""
    for threshold, offset in ((0, 0), (5000, 100), (10000, 500)):
        await crm.rules.define(
            {
                "kind": "order_amount",
                "name": f"tier {threshold}",
                "valid_from": EPOCH,
                "threshold": threshold,
                "multiplier": 1,
                "offset_points": offset,
            },
            actor="admin",
        )
    await crm.rules.define(
        {
            "kind": "order_line",
            "name": "jewellery ×1",
            "valid_from": EPOCH,
            "category": "jewellery",
            "multiplier": 1,
        },
        actor="admin",
    )
    for event, points in (
        ("registration", 1000),
        ("referral", 2000),
        ("new_organisation_member", 500),
    ):
        await crm.rules.define(
            {
                "kind": "event",
                "name": f"{event} bonus",
                "valid_from": EPOCH,
                "event": event,
                "offset_points": points,
            },
            actor="admin",
        )


async def new_member(
    crm: Crm, name: str = "李娜", phone: str = "13812345678", **fields: Any
) -> str:
    """Create a member and return its number."""
    member = await crm.members.create({"name": name, "phones": [phone], **fields}, actor="tester")
    return member.number


def order(ref: str, member: str, at: datetime, *lines: tuple[str, str, str]) -> dict[str, Any]:
    """An order body; each line is (product_code, category, amount)."""
    return {
        "order_ref": ref,
        "member_number": member,
        "ordered_at": at,
        "lines": [
            {
                "product_code": code,
                "product_name": code,
                "category": category,
                "quantity": 1,
                "amount": amount,
            }
            for code, category, amount in lines
        ],
    }


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: "nothing in the database changed" is two of these equal."""
    contents = {}
    async with db.read() as session:
        for table in metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            contents[table.name] = sorted(rows, key=repr)
    return contents
