"""Node leases on SQLite and PostgreSQL: one holder at a time, expiry hands over, and a
write carrying a stale epoch is refused (a paused holder that wakes must not write)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.errors import InvalidInputError
from crm_core.leases.exceptions import StaleEpochError
from crm_core.leases.models import NodeLease
from crm_core.wiring import Crm
from tests.conftest import Clock

TTL = timedelta(seconds=9)
EDGE = "edge-asterisk-2"


START = Clock().now


def note(text: str) -> Callable[[Session], str]:
    """A write made under a lease: one row of its own (``written-<text>``)."""

    def write(session: Session) -> str:
        session.add(NodeLease(name=f"written-{text}", holder=text, epoch=0, expires_at=START))
        return text

    return write


async def written(crm: Crm) -> list[str]:
    """The names of the rows the fenced writes made."""
    async with crm.db.read() as session:
        names = await session.scalars(
            select(NodeLease.name).where(NodeLease.name.like("written-%"))
        )
        return sorted(names)


async def test_two_holders_contend_and_only_the_first_holds_the_lease(any_crm: Crm) -> None:
    first = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert first is not None and first.epoch == 1 and first.holder == "node-a"
    assert await any_crm.leases.acquire(EDGE, "node-b", TTL) is None
    again = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert again is not None and again.epoch == 1  # kept, not retaken
    assert await any_crm.leases.renew(EDGE, "node-a", 1, TTL)
    assert not await any_crm.leases.renew(EDGE, "node-b", 1, TTL)


async def test_holders_creating_a_new_lease_at_once_leave_exactly_one_holder(
    any_crm: Crm,
) -> None:
    holders = [f"node-{n}" for n in range(6)]
    taken = await asyncio.gather(*(any_crm.leases.acquire(EDGE, h, TTL) for h in holders))
    winners = [lease for lease in taken if lease is not None]
    assert len(winners) == 1 and winners[0].epoch == 1
    (listed,) = await any_crm.leases.listed()
    assert listed.holder == winners[0].holder


async def test_an_expired_lease_is_handed_over_with_a_new_epoch(any_crm: Crm, clock: Clock) -> None:
    await any_crm.leases.acquire(EDGE, "node-a", TTL)
    clock.advance(seconds=TTL.total_seconds())
    taken = await any_crm.leases.acquire(EDGE, "node-b", TTL)
    assert taken is not None and (taken.holder, taken.epoch) == ("node-b", 2)
    assert taken.expires_at == clock.now + TTL
    assert not await any_crm.leases.renew(EDGE, "node-a", 1, TTL)


async def test_a_holder_that_lapsed_renews_nothing_and_takes_a_new_epoch(
    any_crm: Crm, clock: Clock
) -> None:
    await any_crm.leases.acquire(EDGE, "node-a", TTL)
    clock.advance(seconds=TTL.total_seconds() + 1)
    assert not await any_crm.leases.renew(EDGE, "node-a", 1, TTL)
    retaken = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert retaken is not None and retaken.epoch == 2


async def test_a_paused_holders_later_write_is_refused_by_epoch(any_crm: Crm, clock: Clock) -> None:
    held = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert held is not None
    assert await any_crm.leases.fenced(EDGE, held.epoch, note("a-before")) == "a-before"
    clock.advance(seconds=TTL.total_seconds() * 2)  # node-a paused: it renewed nothing
    successor = await any_crm.leases.acquire(EDGE, "node-b", TTL)
    assert successor is not None and successor.epoch == held.epoch + 1
    with pytest.raises(StaleEpochError) as refused:
        await any_crm.leases.fenced(EDGE, held.epoch, note("a-after-pause"))
    assert refused.value.details == {"lease": EDGE, "epoch": 1, "current_epoch": 2}
    await any_crm.leases.fenced(EDGE, successor.epoch, note("b"))
    assert await written(any_crm) == ["written-a-before", "written-b"]


async def test_a_write_under_a_lapsed_lease_is_refused_before_anyone_takes_it(
    any_crm: Crm, clock: Clock
) -> None:
    held = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert held is not None
    clock.advance(seconds=TTL.total_seconds())
    with pytest.raises(StaleEpochError):
        await any_crm.leases.fenced(EDGE, held.epoch, note("late"))
    assert await written(any_crm) == []


async def test_a_released_lease_is_taken_at_once_by_another_holder(any_crm: Crm) -> None:
    held = await any_crm.leases.acquire(EDGE, "node-a", TTL)
    assert held is not None
    assert await any_crm.leases.release(EDGE, "node-a", held.epoch)
    assert not await any_crm.leases.release(EDGE, "node-a", held.epoch)  # once only
    taken = await any_crm.leases.acquire(EDGE, "node-b", TTL)
    assert taken is not None and taken.epoch == 2


@pytest.mark.parametrize(
    ("name", "holder", "ttl", "field"),
    [
        ("", "node-a", TTL, "name"),
        ("x" * 101, "node-a", TTL, "name"),
        (EDGE, "", TTL, "holder"),
        (EDGE, "node-a", timedelta(0), "ttl"),
    ],
)
async def test_a_bad_lease_request_names_the_field(
    crm: Crm, name: str, holder: str, ttl: timedelta, field: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        await crm.leases.acquire(name, holder, ttl)
    assert error.value.details == {"field": field}
