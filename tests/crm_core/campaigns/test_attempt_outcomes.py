"""An ended attempt is classified from its Hangup cause, answer and AMD verdict; its lead
is retried by the campaign's rules; a second report changes nothing; the abandon counts
and counters follow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm_core.campaigns.rates import AbandonCounts
from crm_core.campaigns.schemas import Claim
from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.campaigns import Running, phones_csv, start_campaign


async def claim_one(crm: Crm, running: Running, clock: Clock) -> Claim:
    claim = await crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    return claim


async def test_busy_is_retried_after_ten_minutes_and_fails_after_three(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    results = []
    for _ in range(3):
        claim = await claim_one(any_crm, running, clock)
        ended = await any_crm.campaigns.attempt_ended(
            claim.attempt_id, cause=17, at=clock(), abandoned=False
        )
        results.append((ended.result, ended.lead_status))
        if ended.lead_status == "pending":
            assert ended.next_callable_at == clock() + timedelta(minutes=10)
            early = clock() + timedelta(minutes=9)
            assert not await any_crm.campaigns.claim_next(
                running.id, epoch=running.epoch, now=early
            )
            clock.advance(minutes=10)
    assert results == [("busy", "pending"), ("busy", "pending"), ("busy", "failed")]


async def test_a_network_failure_is_not_counted_as_an_attempt(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    claim = await claim_one(any_crm, running, clock)
    ended = await any_crm.campaigns.attempt_ended(
        claim.attempt_id, cause=34, at=clock(), abandoned=False
    )
    assert (ended.result, ended.counted, ended.lead_status) == ("network", False, "pending")
    assert ended.next_callable_at == clock() + timedelta(minutes=1)


async def test_a_campaign_rule_changes_the_busy_delay(any_crm: Crm, clock: Clock) -> None:
    running = await start_campaign(any_crm, clock, retry_rules={"busy": {"delay_minutes": 30}})
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    claim = await claim_one(any_crm, running, clock)
    ended = await any_crm.campaigns.attempt_ended(
        claim.attempt_id, cause=17, at=clock(), abandoned=False
    )
    assert ended.next_callable_at == clock() + timedelta(minutes=30)


async def test_attempt_ended_twice_changes_nothing_the_second_time(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    claim = await claim_one(any_crm, running, clock)
    ended_at = clock()
    first = await any_crm.campaigns.attempt_ended(
        claim.attempt_id, cause=17, at=ended_at, abandoned=False
    )
    later = clock.advance(minutes=5)
    again = await any_crm.campaigns.attempt_ended(
        claim.attempt_id, cause=1, at=later, abandoned=True
    )
    assert again == first
    stored = await any_crm.campaigns.attempt(claim.attempt_id)
    assert (stored.hangup_cause, stored.ended_at, stored.result) == (17, ended_at, "busy")
    assert (await any_crm.campaigns.counters(running.id)).invalid == 0


async def test_abandon_counts_take_persons_and_leave_out_machines(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    phones = [f"1380000000{n}" for n in range(5)]
    await any_crm.campaigns.import_csv(running.id, phones_csv(*phones), default_region="CN")
    # connected, abandoned, machine (abandoned flag ignored), unanswered, still ringing
    plan = [("connected", False), ("answered", True), ("machine", True), (None, False)]
    for kind, abandoned in plan:
        claim = await claim_one(any_crm, running, clock)
        if kind is not None:
            await any_crm.campaigns.attempt_answered(claim.attempt_id, clock())
        if kind == "connected":
            await any_crm.campaigns.attempt_amd(claim.attempt_id, "HUMAN")
            await any_crm.campaigns.attempt_connected(claim.attempt_id, "agent1", clock())
        if kind == "machine":
            await any_crm.campaigns.attempt_amd(claim.attempt_id, "MACHINE")
        await any_crm.campaigns.attempt_ended(
            claim.attempt_id, cause=16 if kind else 19, at=clock(), abandoned=abandoned
        )
    await claim_one(any_crm, running, clock)
    since = clock() - timedelta(days=30)
    assert await any_crm.campaigns.abandon_counts(running.id, since) == AbandonCounts(2, 1)
    assert await any_crm.campaigns.abandon_counts(
        running.id, clock() + timedelta(seconds=1)
    ) == AbandonCounts(0, 0)
    counters = await any_crm.campaigns.counters(running.id)
    assert (counters.dialled, counters.ringing, counters.answered, counters.connected) == (
        5,
        1,
        3,
        1,
    )
    assert (counters.abandoned, counters.machines, counters.amd_human, counters.amd_machine) == (
        1,
        1,
        1,
        1,
    )
    assert counters.abandon_rate == 0.5
    assert (counters.leads, counters.done) == (5, 1)


async def test_in_flight_lists_attempts_not_ended_for_reconciliation(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    await any_crm.campaigns.import_csv(
        running.id, phones_csv("13800000001", "13800000002"), default_region="CN"
    )
    first = await claim_one(any_crm, running, clock)
    second = await claim_one(any_crm, running, clock)
    await any_crm.campaigns.attempt_ended(first.attempt_id, cause=None, at=clock(), abandoned=False)
    assert [view.id for view in await any_crm.campaigns.in_flight(running.id)] == [
        second.attempt_id
    ]


async def test_an_ivr_callee_pressing_a_key_outranks_hearing_the_message_to_the_end(
    any_crm: Crm, clock: Clock
) -> None:
    running = await start_campaign(
        any_crm, clock, name="expiring", mode="ivr_message", message="points-expiring"
    )
    await any_crm.campaigns.import_csv(
        running.id, phones_csv("13800000001", "13800000002"), default_region="CN"
    )
    first = await claim_one(any_crm, running, clock)
    second = await claim_one(any_crm, running, clock)
    await any_crm.campaigns.attempt_ivr(first.attempt_id, "key-1")
    await any_crm.campaigns.attempt_ivr(first.attempt_id, "played")
    await any_crm.campaigns.attempt_ivr(second.attempt_id, "played")
    assert (await any_crm.campaigns.attempt(first.attempt_id)).ivr_result == "key-1"
    figures = await any_crm.campaigns.counters(running.id)
    assert figures.ivr_results == {"key-1": 1, "played": 1}
    with pytest.raises(InvalidInputError, match="result"):
        await any_crm.campaigns.attempt_ivr(second.attempt_id, "key-12")
