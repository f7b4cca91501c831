"""Dialer leases (holder, epoch, expiry: one holder at a time, epoch + 1 on takeover) and
call-backs agents schedule (durable, due at their time, offered to their owner)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.campaigns import Running, phones_csv

TTL = timedelta(seconds=15)


async def test_a_lease_is_held_renewed_released_and_taken_over_with_a_new_epoch(
    any_crm: Crm, clock: Clock
) -> None:
    service = any_crm.campaigns
    lease = await service.acquire_lease("campaign-9", "node-a", TTL, clock())
    assert lease is not None and lease.epoch == 1
    assert await service.acquire_lease("campaign-9", "node-b", TTL, clock()) is None
    assert await service.renew_lease("campaign-9", "node-a", 1, TTL, clock.advance(seconds=10))
    assert (
        await service.acquire_lease("campaign-9", "node-b", TTL, clock.advance(seconds=10)) is None
    )
    taken = await service.acquire_lease("campaign-9", "node-b", TTL, clock.advance(seconds=10))
    assert taken is not None and (taken.holder, taken.epoch) == ("node-b", 2)
    assert not await service.renew_lease("campaign-9", "node-a", 1, TTL, clock())
    assert await service.release_lease("campaign-9", "node-b", 2, clock())
    back = await service.acquire_lease("campaign-9", "node-a", TTL, clock())
    assert back is not None and back.epoch == 3


@pytest.mark.parametrize("any_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("existing", [False, True], ids=["new-lease", "lapsed-lease"])
async def test_two_processes_racing_for_a_lease_on_postgresql_exactly_one_wins(
    any_url: str, clock: Clock, existing: bool
) -> None:
    first = build_crm(database_url=any_url, clock=clock)
    second = build_crm(database_url=any_url, clock=clock)
    try:
        if existing:
            await first.campaigns.acquire_lease("campaign-1", "old", TTL, clock())
            clock.advance(minutes=1)
        for round_ in range(10):
            name = f"campaign-1-{round_}" if not existing else "campaign-1"
            now = clock.advance(minutes=1)
            won = await asyncio.gather(
                first.campaigns.acquire_lease(name, "node-a", TTL, now),
                second.campaigns.acquire_lease(name, "node-b", TTL, now),
            )
            holders = [lease for lease in won if lease is not None]
            assert len(holders) == 1, won
    finally:
        await first.close()
        await second.close()


async def test_a_scheduled_call_back_is_due_at_its_time_and_claimed_by_its_owner(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    await any_crm.campaigns.attempt_answered(claim.attempt_id, clock())
    await any_crm.campaigns.attempt_ended(claim.attempt_id, cause=16, at=clock(), abandoned=True)
    due_at = clock() + timedelta(hours=1)
    callback = await any_crm.campaigns.schedule_callback(claim.lead_id, "agent1", due_at, "after 6")
    assert await any_crm.campaigns.due_callbacks(clock()) == []
    assert await any_crm.campaigns.due_callbacks(due_at) == [callback]
    assert not await any_crm.campaigns.claim_callback(
        running.id, owner="agent2", epoch=running.epoch, now=due_at
    )
    # An agent's call-back is allowed within the 72 h rest after the abandon.
    offered = await any_crm.campaigns.claim_callback(
        running.id, owner="agent1", epoch=running.epoch, now=due_at
    )
    assert offered is not None
    assert (offered.callback_id, offered.owner_login, offered.phone) == (
        callback.id,
        "agent1",
        "+8613800000001",
    )
    assert await any_crm.campaigns.due_callbacks(due_at) == []
    await any_crm.campaigns.attempt_connected(offered.attempt_id, "agent1", due_at)
    ended = await any_crm.campaigns.attempt_ended(
        offered.attempt_id, cause=16, at=due_at, abandoned=False
    )
    assert (ended.result, ended.lead_status) == ("answered", "done")
