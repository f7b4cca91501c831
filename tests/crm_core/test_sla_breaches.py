"""The SLA scan notes each missed deadline of an open request once, in its history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm_core.service_desk.breaches import breaches_noted, note_breaches
from crm_core.service_desk.desk import ServiceDesk
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import new_member
from tests.support.service_desk import desk_with_queues


@pytest.fixture
async def desk(any_crm: Crm, clock: Clock) -> ServiceDesk:
    """A service desk with staff and queues on the test's database and clock."""
    return await desk_with_queues(any_crm, clock)


def repair(member: str) -> dict[str, str]:
    """A repair request body."""
    return {"subject": "GPS 无法充电", "request_type": "repair", "member_number": member,
            "queue": "pc-digital"}  # fmt: skip


async def test_each_missed_deadline_is_noted_once_and_only_while_open(
    any_crm: Crm, desk: ServiceDesk
) -> None:
    member = await new_member(any_crm)
    late = await desk.requests.open(repair(member), actor="agent1")
    answered = await desk.requests.open(repair(member), actor="agent1")
    await desk.requests.accept(answered.number, actor="agent2")
    past_response = late.response_due + timedelta(minutes=1)
    past_resolution = late.resolution_due + timedelta(minutes=1)

    async def scan(now: datetime) -> int:
        async with any_crm.db.write() as session:
            return await session.run_sync(lambda s: note_breaches(s, now, by="sla-scan"))

    assert await scan(late.response_due - timedelta(seconds=1)) == 0
    assert await scan(past_response) == 1
    assert await scan(past_response) == 0  # noted already
    assert await scan(past_resolution) == 2  # late's resolution, answered's resolution
    assert await scan(past_resolution) == 0
    async with any_crm.db.read() as session:
        noted = await session.run_sync(breaches_noted)
    late_id, answered_id = (int(r.number.split("-")[1]) for r in (late, answered))
    assert noted == [(late_id, "response"), (late_id, "resolution"), (answered_id, "resolution")]
