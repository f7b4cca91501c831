"""Agents' preview claims in the CRM, on SQLite and PostgreSQL: two agents claiming at
once never get the same lead, and a lead with a call-back scheduled is its owner's —
neither a dialer's next lead nor another agent's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from crm_core.campaigns.leases import lease_name
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def preview_campaign(crm: Crm, phones: list[str], mode: str = "preview") -> int:
    created = await crm.campaigns.create(
        {"name": f"{mode}-calls", "mode": mode, "queue": "hotline", "time_zone": "UTC",
         "windows": ALL_WEEK},
        by="boss",
    )  # fmt: skip
    await crm.campaigns.set_status(created.id, "start", by="boss")
    rows = "phone\n" + "".join(f"{phone}\n" for phone in phones)
    await crm.campaigns.import_csv(created.id, rows.encode(), default_region="CN")
    return created.id


@pytest.mark.parametrize("any_url", ["postgres"], indirect=True)
async def test_agents_claiming_at_once_on_postgresql_never_share_a_lead(
    any_url: str, clock: Clock
) -> None:
    first = build_crm(database_url=any_url, clock=clock)
    second = build_crm(database_url=any_url, clock=clock)
    try:
        phones = [f"+86138000300{i:02d}" for i in range(10)]
        campaign_id = await preview_campaign(first, phones)
        claims = await asyncio.gather(
            *(
                crm.campaigns.preview.claim(campaign_id, f"agent{i}", now=clock())
                for i, crm in enumerate([first, second] * 5)
            )
        )
        assert all(claim is not None for claim in claims)
        assert sorted(claim.phone for claim in claims if claim is not None) == phones
    finally:
        await first.close()
        await second.close()


async def test_a_lead_awaiting_a_call_back_is_no_dialers_next_lead_nor_another_agents(
    any_crm: Crm, clock: Clock
) -> None:
    campaign_id = await preview_campaign(any_crm, ["+8613800030100"], mode="progressive")
    lease = await any_crm.campaigns.acquire_lease(
        lease_name(campaign_id), "node-a", timedelta(days=1), clock()
    )
    assert lease is not None
    claim = await any_crm.campaigns.claim_next(campaign_id, epoch=lease.epoch, now=clock())
    assert claim is not None
    await any_crm.campaigns.attempt_ended(claim.attempt_id, cause=17, at=clock(), abandoned=False)
    await any_crm.campaigns.preview.call_back(
        claim.attempt_id, owner="agent1", due_at=clock() + timedelta(hours=1), note=None,
        dialled=True, now=clock(),
    )  # fmt: skip
    later = clock.advance(hours=2)  # the busy retry (10 min) is long due
    assert await any_crm.campaigns.claim_next(campaign_id, epoch=lease.epoch, now=later) is None
    # In a progressive campaign agents get no next lead, only call-backs: agent1's.
    assert await any_crm.campaigns.preview.claim(campaign_id, "agent2", now=later) is None
    offered = await any_crm.campaigns.preview.claim(campaign_id, "agent1", now=later)
    assert offered is not None and offered.callback is not None
    assert (offered.phone, offered.callback.owner_login) == ("+8613800030100", "agent1")
