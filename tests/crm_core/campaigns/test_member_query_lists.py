"""Lists built from member queries: points expiring this month, birthdays this week, and
resolved service requests whose follow-up call is due."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_core.campaigns.exceptions import LeadListError
from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.campaigns import Running
from tests.support.crm import new_member
from tests.support.service_desk import desk_with_queues


async def test_members_whose_points_expire_this_month(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    soon = await new_member(any_crm, name="Soon", phone="13900000001")
    later = await new_member(any_crm, name="Later", phone="13900000002")
    march_end = dt.datetime(2026, 3, 30, tzinfo=dt.UTC)
    await any_crm.points.gift(
        soon, 100, reason="r", operator="o", idempotency_key="k1", expires_at=march_end
    )
    await any_crm.points.gift(
        later,
        100,
        reason="r",
        operator="o",
        idempotency_key="k2",
        expires_at=march_end + dt.timedelta(days=10),
    )
    report = await any_crm.campaigns.build_from_query(running.id, "points-expiring")
    assert report.accepted == 1
    assert report.refused == ()


async def test_members_with_a_birthday_this_week(any_crm: Crm, running: Running) -> None:
    # The clock stands on Monday 2026-03-02: the week runs to Sunday 03-08.
    await new_member(any_crm, name="In", phone="13900000001", birthday="1990-03-08")
    await new_member(any_crm, name="Out", phone="13900000002", birthday="1990-03-09")
    report = await any_crm.campaigns.build_from_query(running.id, "birthdays")
    assert report.accepted == 1


async def test_resolved_requests_due_a_follow_up_call(
    any_crm: Crm, running: Running, clock: Clock
) -> None:
    desk = await desk_with_queues(any_crm, clock)
    member = await new_member(any_crm, name="Fixed", phone="13900000001")
    await new_member(any_crm, name="Waiting", phone="13900000002")
    request = await desk.requests.open(
        {
            "subject": "Laptop",
            "request_type": "repair",
            "member_number": member,
            "queue": "pc-digital",
            "contact_phone": "13900000009",
        },
        actor="agent1",
    )
    await desk.requests.accept(request.number, actor="agent1")
    await desk.requests.start(request.number, actor="agent1")
    await desk.requests.resolve(request.number, result="fixed", actor="agent1")
    report = await any_crm.campaigns.build_from_query(running.id, "follow-ups-due")
    assert report.accepted == 1


async def test_a_query_finding_nobody_is_an_error_and_an_unknown_query_is_refused(
    any_crm: Crm, running: Running
) -> None:
    with pytest.raises(LeadListError):
        await any_crm.campaigns.build_from_query(running.id, "birthdays")
    with pytest.raises(InvalidInputError, match="query"):
        await any_crm.campaigns.build_from_query(running.id, "lottery-winners")
