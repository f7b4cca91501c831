"""Claiming the next lead is one transaction that checks the lease epoch, suppression,
invalid numbers, the 72-hour rest after an abandon and the calling window, and writes
the attempt row before anything is dialled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_core.campaigns.exceptions import StaleLeaseError
from crm_core.campaigns.leases import lease_name
from crm_core.members.models import Member
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.campaigns import Running, phones_csv, start_campaign
from tests.support.crm import new_member

ONE = "+8613800000001"


async def load(crm: Crm, running: Running, *phones: str) -> None:
    await crm.campaigns.import_csv(running.id, phones_csv(*phones), default_region="CN")


async def test_a_claim_writes_the_attempt_before_the_dial_and_marks_the_lead_in_flight(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001")
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None and claim.phone == ONE
    assert len(claim.attempt_id) == 32 and int(claim.attempt_id, 16) >= 0
    [attempt] = await any_crm.campaigns.in_flight(running.id)
    assert (attempt.id, attempt.epoch, attempt.ended_at) == (claim.attempt_id, running.epoch, None)
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None


async def test_a_number_suppressed_after_import_is_never_claimed(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001", "13800000002")
    await any_crm.campaigns.suppress("13800000001", source="agent", reason="do not call", by="a1")
    await any_crm.campaigns.suppress(
        "13800000002", campaign_id=running.id, source="api", reason="x", by="sup1"
    )
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None
    assert await any_crm.campaigns.is_suppressed("13800000001", None, clock())


async def test_a_suppression_that_expired_no_longer_holds(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001")
    until = clock() + timedelta(hours=1)
    await any_crm.campaigns.suppress(
        "13800000001", source="api", reason="later", by="sup1", expires_at=until
    )
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None
    later = clock.advance(hours=2)
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=later)
    assert claim is not None


async def test_a_claim_with_a_stale_epoch_is_refused_and_writes_nothing(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001")
    with pytest.raises(StaleLeaseError):
        await any_crm.campaigns.claim_next(running.id, epoch=running.epoch + 1, now=clock())
    assert await any_crm.campaigns.in_flight(running.id) == []


async def test_a_claim_after_the_lease_was_taken_over_is_refused(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001")
    lapsed = clock.advance(days=31)
    taken = await any_crm.campaigns.acquire_lease(
        lease_name(running.id), "node-b", timedelta(seconds=30), lapsed
    )
    assert taken is not None and taken.epoch == running.epoch + 1
    with pytest.raises(StaleLeaseError):
        await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=lapsed)
    assert await any_crm.campaigns.claim_next(running.id, epoch=taken.epoch, now=lapsed)


async def test_a_paused_campaign_gives_no_lead(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await load(any_crm, running, "13800000001")
    await any_crm.campaigns.set_status(running.id, "pause", "sup1")
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None


async def test_an_invalid_number_is_never_dialled_again_by_any_campaign(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    other = await start_campaign(any_crm, clock, name="other")
    await load(any_crm, running, "13800000001")
    await load(any_crm, other, "13800000001")
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    result = await any_crm.campaigns.attempt_ended(
        claim.attempt_id, cause=1, at=clock(), abandoned=False
    )
    assert (result.result, result.lead_status, result.number_marked_invalid) == (
        "invalid",
        "invalid",
        True,
    )
    assert await any_crm.campaigns.claim_next(other.id, epoch=other.epoch, now=clock()) is None
    report = await any_crm.campaigns.import_csv(
        other.id, phones_csv("13800000001", "13800000002"), default_region="CN"
    )
    assert [row.reason for row in report.refused] == ["invalid-number"]


async def test_an_abandoned_number_rests_72_hours_in_every_campaign(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    other = await start_campaign(any_crm, clock, name="other")
    await load(any_crm, running, "13800000001")
    await load(any_crm, other, "13800000001")
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    await any_crm.campaigns.attempt_answered(claim.attempt_id, clock())
    await any_crm.campaigns.attempt_ended(claim.attempt_id, cause=16, at=clock(), abandoned=True)
    almost = clock.advance(hours=71, minutes=59)
    assert await any_crm.campaigns.claim_next(other.id, epoch=other.epoch, now=almost) is None
    after = clock.advance(minutes=2)
    assert await any_crm.campaigns.claim_next(other.id, epoch=other.epoch, now=after) is not None


async def test_a_lead_outside_its_window_is_not_claimed_and_gets_its_next_time(
    any_crm: Crm, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai: closed
    running = await start_campaign(any_crm, clock)
    await load(any_crm, running, "13800000001")
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None
    opens = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=opens)


async def test_a_new_york_lead_waits_for_eight_am_new_york_time_across_the_dst_change(
    any_crm: Crm, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # Sunday of the spring change
    running = await start_campaign(
        any_crm, clock, windows={d: [["08:00", "21:00"]] for d in ("sun", "mon")}
    )
    await load(any_crm, running, "+12125550123")
    eight_edt = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    before = eight_edt - timedelta(minutes=1)
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=before) is None
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=eight_edt)


async def test_two_dialers_claiming_at_once_never_get_the_same_lead(
    any_url: str, clock: Clock
) -> None:
    first = build_crm(database_url=any_url, clock=clock)
    second = build_crm(database_url=any_url, clock=clock)
    try:
        running = await start_campaign(first, clock)
        await load(first, running, *[f"1380000{n:04d}" for n in range(60)])

        async def drain(crm: Crm) -> list[str]:
            claimed = []
            while claim := await crm.campaigns.claim_next(
                running.id, epoch=running.epoch, now=clock()
            ):
                claimed.append(claim.phone)
            return claimed

        results = await asyncio.gather(*(drain(crm) for crm in (first, second, first, second)))
        everything = [phone for claimed in results for phone in claimed]
        assert len(everything) == 60
        assert len(set(everything)) == 60
        assert sum(1 for claimed in results if claimed) >= 2
    finally:
        await first.close()
        await second.close()


async def test_consent_withdrawn_after_import_keeps_the_member_from_being_dialled(
    any_crm: Crm, clock: Clock
) -> None:
    running = await start_campaign(any_crm, clock, require_consent=True)
    number = await new_member(any_crm, phone="13900000001")
    async with any_crm.db.read() as session:
        member_id = await session.scalar(select(Member.id).where(Member.number == number))
    assert member_id is not None
    await any_crm.campaigns.record_consent(member_id, "phone", True, "web-form", "sup1")
    await load(any_crm, running, "13900000001")
    await any_crm.campaigns.record_consent(member_id, "phone", False, "call", "agent1")
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None


async def test_the_member_own_zone_wins_over_the_number_zone(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    number = await new_member(any_crm, phone="13900000001")
    async with any_crm.db.write() as session:
        member = (await session.scalars(select(Member).where(Member.number == number))).one()
        member.time_zone = "America/New_York"
    data = f"phone,member_number\n13900000001,{number}\n".encode()
    await any_crm.campaigns.import_csv(running.id, data, default_region="CN")
    # 09:00 UTC is 17:00 in Shanghai (open) but 04:00 in New York (closed).
    assert await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock()) is None
    nine_est = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=nine_est)
    assert claim is not None and claim.member_id is not None
