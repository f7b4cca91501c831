"""A held lease that lapsed while nobody else took it (the database away longer than its
life) is held again at a new epoch; one another holder took is lost, and its holder told."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from crm_core.leases.models import NodeLease
from crm_core.wiring import Crm, build_crm
from cti.cluster.lease import HeldLease


async def lapse(crm: Crm, name: str) -> None:
    """Make the lease lapse now, as if its renewals had failed for its whole life."""
    async with crm.db.write() as session:
        await session.execute(
            update(NodeLease)
            .where(NodeLease.name == name)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_a_lapsed_lease_nobody_took_is_held_again_at_a_new_epoch(any_url: str) -> None:
    crm = build_crm(database_url=any_url)
    lost: list[str] = []

    async def on_lost() -> None:
        lost.append("lost")

    held = HeldLease(leases=crm.leases, name="job-x", holder="node-a:1", seconds=1.5,
                     on_lost=on_lost)  # fmt: skip
    try:
        first = (await held.take()).epoch
        await lapse(crm, "job-x")
        async with asyncio.timeout(10):
            while held.epoch == first:
                held.turned.clear()
                await held.turned.wait()
        assert held.epoch == first + 1 and lost == []
        [row] = await crm.leases.listed()
        assert (row.holder, row.epoch) == ("node-a:1", first + 1)
    finally:
        await held.release()
        await crm.close()


async def test_a_lease_another_holder_took_is_lost_and_its_holder_told(any_url: str) -> None:
    crm = build_crm(database_url=any_url)
    lost: list[str] = []

    async def on_lost() -> None:
        lost.append("lost")

    held = HeldLease(leases=crm.leases, name="job-x", holder="node-a:1", seconds=1.5,
                     on_lost=on_lost)  # fmt: skip
    try:
        await held.take()
        await lapse(crm, "job-x")
        assert await crm.leases.acquire("job-x", "node-b:1", timedelta(minutes=1)) is not None
        async with asyncio.timeout(10):
            await held.lost.wait()
        assert lost == ["lost"] and held.epoch is None
    finally:
        await held.release()
        await crm.close()
