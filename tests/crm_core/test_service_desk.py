"""Service requests and work orders on SQLite and PostgreSQL: the SPEC's flow, history,
priority and SLA, bad input that changes nothing, overdue detection and KPIs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm_core.calls.models import CallRecord, Direction
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.members.phones import InvalidPhoneError
from crm_core.service_desk.desk import ServiceDesk
from crm_core.service_desk.exceptions import (
    AssetMismatchError,
    IllegalTransitionError,
    OpenWorkOrdersError,
    RoleNotAllowedError,
    UnknownQueueError,
    UnknownUserError,
)
from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.priority import DEFAULT_PRIORITY_TABLE
from crm_core.service_desk.sla import DEFAULT_SLA
from crm_core.service_desk.workflow import RequestAction, RequestStatus, WorkOrderStatus
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import new_member, snapshot
from tests.support.service_desk import desk_with_queues


@pytest.fixture
async def desk(any_crm: Crm, clock: Clock) -> ServiceDesk:
    """The service desk over SQLite, then PostgreSQL."""
    return await desk_with_queues(any_crm, clock)


def repair(member: str, **fields: Any) -> dict[str, Any]:
    """A repair request body."""
    return {
        "subject": "GPS 无法充电",
        "request_type": "repair",
        "member_number": member,
        "queue": "pc-digital",
        **fields,
    }


async def test_a_repair_from_request_to_closed(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm, level=5)
    asset = await desk.assets.register(
        member,
        {"product_code": "GPS-70", "product_name": "车载 GPS", "serial": "SN001"},
        actor="agent1",
    )
    logged = clock()
    request = await desk.requests.open(
        repair(member, asset_id=asset.id, description="死机，无法充电"), actor="agent1"
    )
    assert request.number == "SR-00000001" and request.status is RequestStatus.NEW
    assert request.priority == 1  # five-star repair
    assert request.response_due == logged + timedelta(minutes=30)
    assert request.resolution_due == logged + timedelta(hours=4)
    assert request.contact_phone == "+8613812345678"  # the member's phone by default
    assert (request.queue, request.owner, request.created_by) == ("pc-digital", None, "agent1")
    assert set(request.allowed_actions) == {RequestAction.ACCEPT, RequestAction.CANCEL}

    clock.advance(minutes=10)
    accepted = await desk.requests.accept(request.number, actor="agent2")
    assert accepted.status is RequestStatus.ACCEPTED
    assert (accepted.accepted_at, accepted.owner) == (clock(), "agent2")

    order = await desk.work_orders.create(
        request.number,
        {"engineer": "eng1", "planned_hours": "1.5", "budget": "300.00"},
        actor="agent2",
    )
    assert (order.number, order.status, order.engineer) == (
        "WO-00000001",
        WorkOrderStatus.REGISTERED,
        "eng1",
    )
    assert (order.planned_hours, order.budget_cents) == (Decimal("1.5"), 30000)
    assert (await desk.requests.get(request.number)).status is RequestStatus.DISPATCHED
    await desk.work_orders.dispatch(order.number, actor="agent2")
    clock.advance(minutes=30)
    started = await desk.work_orders.start(order.number, actor="eng1")
    assert started.actual_start == clock()
    in_progress = await desk.requests.get(request.number)
    assert (in_progress.status, in_progress.actual_start) == (RequestStatus.IN_PROGRESS, clock())
    with pytest.raises(OpenWorkOrdersError):
        await desk.requests.resolve(request.number, result="fixed", actor="agent2")

    await desk.work_orders.add_part(
        order.number,
        {"product_code": "BAT-1", "product_name": "电池", "serial": "B77", "quantity": 1,
         "unit_price": "120.50"},
        actor="eng1",
    )  # fmt: skip
    await desk.work_orders.add_part(
        order.number,
        {"product_code": "CBL-2", "product_name": "充电线", "quantity": 3, "unit_price": "9.90"},
        actor="eng1",
    )
    await desk.work_orders.add_part(
        order.number,
        {"product_code": "X", "product_name": "wrong part", "quantity": 1, "unit_price": "1"},
        actor="eng1",
    )
    with_parts = await desk.work_orders.remove_part(order.number, 3, actor="eng1")
    assert [(p.line_no, p.amount_cents) for p in with_parts.parts] == [(1, 12050), (2, 2970)]
    assert with_parts.parts_total_cents == 15020
    clock.advance(minutes=50)
    done = await desk.work_orders.finish(
        order.number,
        {"result": "换电池", "actual_hours": "0.75", "actual_cost": "150.20"},
        actor="eng1",
    )
    assert (done.status, done.actual_hours, done.actual_cost_cents) == (
        WorkOrderStatus.DONE,
        Decimal("0.75"),
        15020,
    )
    resolved = await desk.requests.resolve(request.number, result="电池已更换", actor="agent2")
    assert (resolved.status, resolved.resolved_at, resolved.result) == (
        RequestStatus.RESOLVED,
        clock(),
        "电池已更换",
    )
    signed = await desk.work_orders.confirm(order.number, signed_off_by="李娜", actor="eng1")
    assert (signed.status, signed.signed_off_by, signed.signed_off_at) == (
        WorkOrderStatus.CONFIRMED,
        "李娜",
        clock(),
    )
    clock.advance(days=1)
    await desk.requests.follow_up(request.number, actor="agent1", note="客户满意")
    closed = await desk.requests.close(request.number, actor="agent1")
    assert closed.status is RequestStatus.CLOSED and closed.allowed_actions == ()

    history = await desk.requests.history(request.number)
    assert [(h.work_order, h.field, h.old_value, h.new_value) for h in history] == [
        (None, "status", None, "new"),
        (None, "status", "new", "accepted"),
        (None, "owner", None, "agent2"),
        ("WO-00000001", "status", None, "registered"),
        (None, "status", "accepted", "dispatched"),
        ("WO-00000001", "status", "registered", "dispatched"),
        ("WO-00000001", "status", "dispatched", "in_progress"),
        (None, "status", "dispatched", "in_progress"),
        ("WO-00000001", "part", None, "#1 BAT-1 电池 s/n B77 ×1 @ 120.50 = 120.50"),
        ("WO-00000001", "part", None, "#2 CBL-2 充电线 ×3 @ 9.90 = 29.70"),
        ("WO-00000001", "part", None, "#3 X wrong part ×1 @ 1.00 = 1.00"),
        ("WO-00000001", "part", "#3 X wrong part ×1 @ 1.00 = 1.00", None),
        ("WO-00000001", "status", "in_progress", "done"),
        ("WO-00000001", "result", None, "换电池"),
        ("WO-00000001", "actual_hours", None, "0.75"),
        ("WO-00000001", "actual_cost", None, "150.20"),
        (None, "status", "in_progress", "resolved"),
        (None, "result", None, "电池已更换"),
        ("WO-00000001", "status", "done", "confirmed"),
        ("WO-00000001", "signed_off_by", None, "李娜"),
        (None, "status", "resolved", "follow_up"),
        (None, "status", "follow_up", "closed"),
    ]
    assert history[-2].reason == "客户满意" and history[-1].changed_by == "agent1"
    assert history[-1].changed_at == clock()
    assert [wo.number for wo in await desk.work_orders.of_request(request.number)] == [order.number]


async def test_an_enquiry_skips_dispatch_and_a_resolution_can_be_reopened(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)
    request = await desk.requests.open(
        {"subject": "积分怎么兑换", "request_type": "enquiry", "member_number": member,
         "contact_phone": "021 6234 5678", "channel": "ivr"},
        actor="agent1",
    )  # fmt: skip
    assert request.contact_phone == "+862162345678" and request.priority == 4
    await desk.requests.accept(request.number, actor="agent1")
    await desk.requests.start(request.number, actor="agent1")
    await desk.requests.resolve(request.number, result="已说明兑换流程", actor="agent1")
    reopened = await desk.requests.reopen(request.number, reason="客户仍不明白", actor="agent1")
    assert (reopened.status, reopened.resolved_at) == (RequestStatus.IN_PROGRESS, None)
    await desk.requests.resolve(request.number, result="再次说明", actor="agent1")
    closed = await desk.requests.close(request.number, actor="agent1")
    assert closed.status is RequestStatus.CLOSED
    statuses = [
        (h.old_value, h.new_value, h.reason)
        for h in await desk.requests.history(request.number)
        if h.field == "status"
    ]
    assert statuses[4] == ("resolved", "in_progress", "客户仍不明白")
    assert len(statuses) == 7


async def test_illegal_transitions_change_nothing(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)
    fresh = (await desk.requests.open(repair(member), actor="agent1")).number
    working = (await desk.requests.open(repair(member), actor="agent1")).number
    await desk.requests.accept(working, actor="agent1")
    order = (await desk.work_orders.create(working, actor="agent1")).number
    unassigned = (await desk.work_orders.create(working, actor="agent1")).number
    await desk.work_orders.dispatch(order, engineer="eng1", actor="agent1")
    await desk.work_orders.start(order, actor="eng1")
    closed = (await desk.requests.open(repair(member), actor="agent1")).number
    await desk.requests.cancel(closed, reason="duplicate", actor="agent1")
    before = await snapshot(any_crm.db)

    refusals: list[tuple[type[Exception], Callable[[], Awaitable[object]]]] = [
        (IllegalTransitionError, lambda: desk.requests.resolve(fresh, result="x", actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.close(fresh, actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.reopen(fresh, reason="x", actor="agent1")),
        (IllegalTransitionError, lambda: desk.work_orders.create(fresh, actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.cancel(working, reason="x", actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.accept(working, actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.close(working, actor="agent1")),
        (OpenWorkOrdersError, lambda: desk.requests.resolve(working, result="x", actor="agent1")),
        (IllegalTransitionError, lambda: desk.work_orders.start(unassigned, actor="eng1")),
        (
            IllegalTransitionError,
            lambda: desk.work_orders.confirm(order, signed_off_by="x", actor="eng1"),
        ),
        (
            IllegalTransitionError,
            lambda: desk.work_orders.dispatch(order, engineer="eng1", actor="agent1"),
        ),
        (InvalidInputError, lambda: desk.work_orders.dispatch(unassigned, actor="agent1")),
        (IllegalTransitionError, lambda: desk.requests.accept(closed, actor="agent1")),
        (
            IllegalTransitionError,
            lambda: desk.requests.update(closed, {"subject": "x"}, actor="agent1"),
        ),
        (
            IllegalTransitionError,
            lambda: desk.requests.override_priority(closed, 1, reason="vip", actor="agent1"),
        ),
        (NotFoundError, lambda: desk.requests.accept("SR-00009999", actor="agent1")),
        (NotFoundError, lambda: desk.work_orders.start("WO-00009999", actor="agent1")),
        (InvalidInputError, lambda: desk.requests.accept("WO-00000001", actor="agent1")),
        (InvalidInputError, lambda: desk.requests.accept("SR-1; DROP TABLE x", actor="agent1")),
        (NotFoundError, lambda: desk.work_orders.remove_part(order, 7, actor="eng1")),
    ]
    for error, attempt in refusals:
        with pytest.raises(error):
            await attempt()
    # finish, resolve; then nothing can change the closed request's work orders
    assert await snapshot(any_crm.db) == before
    await desk.work_orders.finish(order, {"result": "ok"}, actor="eng1")
    await desk.work_orders.cancel(unassigned, reason="not needed", actor="agent1")
    await desk.requests.resolve(working, result="ok", actor="agent1")
    await desk.requests.close(working, actor="agent1")
    after_close = await snapshot(any_crm.db)
    for attempt in (
        lambda: desk.work_orders.confirm(order, signed_off_by="x", actor="agent1"),
        lambda: desk.work_orders.add_part(
            order,
            {"product_code": "P", "product_name": "p", "quantity": 1, "unit_price": "1"},
            actor="eng1",
        ),
        lambda: desk.work_orders.update(order, {"description": "late"}, actor="agent1"),
    ):
        with pytest.raises(IllegalTransitionError):
            await attempt()
    assert await snapshot(any_crm.db) == after_close


async def test_unknown_member_agent_queue_and_bad_fields_change_nothing(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)
    other = await new_member(any_crm, name="王伟", phone="13900001111")
    their_asset = await desk.assets.register(
        other, {"product_code": "TV", "product_name": "电视", "serial": "T1"}, actor="agent1"
    )
    request = (await desk.requests.open(repair(member), actor="agent1")).number
    before = await snapshot(any_crm.db)
    attempts: list[tuple[type[Exception], dict[str, Any], str]] = [
        (NotFoundError, repair("I-09999999"), "agent1"),
        (UnknownUserError, repair(member), "nobody"),
        (UnknownUserError, repair(member), "gone"),
        (UnknownUserError, repair(member, owner="nobody"), "agent1"),
        (UnknownUserError, repair(member, owner="gone"), "agent1"),
        (UnknownQueueError, repair(member, queue="nowhere"), "agent1"),
        (AssetMismatchError, repair(member, asset_id=their_asset.id), "agent1"),
        (NotFoundError, repair(member, asset_id=999), "agent1"),
        (NotFoundError, repair(member, call_id=999), "agent1"),
        (InvalidPhoneError, repair(member, contact_phone="12345"), "agent1"),
        (InvalidInputError, repair(member, colour="red"), "agent1"),
        (InvalidInputError, repair(member, request_type="praise"), "agent1"),
        (InvalidInputError, repair(member, subject="line\r\nAction: Originate"), "agent1"),
        (InvalidInputError, repair(member, subject=""), "agent1"),
        (InvalidInputError, repair(member, priority=1), "agent1"),
        (InvalidInputError, repair(member, priority=0, priority_reason="x"), "agent1"),
        (InvalidInputError, repair(member, planned_start="2026-03-02T10:00:00"), "agent1"),
        (
            InvalidInputError,
            repair(
                member,
                planned_start="2026-03-03T10:00:00+08:00",
                planned_finish="2026-03-02T10:00:00+08:00",
            ),
            "agent1",
        ),
    ]
    for error, body, actor in attempts:
        with pytest.raises(error):
            await desk.requests.open(body, actor=actor)
    for error, call in (
        (UnknownUserError, lambda: desk.requests.accept(request, actor="gone")),
        (UnknownUserError, lambda: desk.work_orders.create(request, {"engineer": "x"}, actor="a1")),
        (UnknownUserError, lambda: desk.requests.update(request, {"owner": "x"}, actor="agent1")),
        (UnknownQueueError, lambda: desk.requests.update(request, {"queue": "x"}, actor="agent1")),
        (InvalidInputError, lambda: desk.requests.update(request, {}, actor="agent1")),
        (InvalidInputError, lambda: desk.requests.update(request, {"subject": None}, actor="a1")),
        (InvalidInputError, lambda: desk.requests.cancel(request, reason="  ", actor="agent1")),
        (
            AssetMismatchError,
            lambda: desk.requests.update(request, {"asset_id": their_asset.id}, actor="agent1"),
        ),
        (
            InvalidInputError,
            lambda: desk.requests.update(
                request, {"planned_finish": "2020-01-01T00:00:00+00:00",
                          "planned_start": "2020-01-02T00:00:00+00:00"}, actor="agent1"
            ),
        ),
    ):  # fmt: skip
        with pytest.raises(error):
            await call()
    assert await snapshot(any_crm.db) == before


async def test_field_changes_are_recorded_with_who_when_old_and_new(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)
    async with any_crm.db.write() as session:
        call = CallRecord(
            linked_id="1700000000.1",
            direction=Direction.INBOUND,
            caller="13812345678",
            started_at=clock(),
        )
        session.add(call)
        await session.flush()
        call_id = call.id
    request = await desk.requests.open(repair(member, call_id=call_id), actor="agent1")
    assert request.call_id == call_id
    clock.advance(minutes=5)
    start = clock() + timedelta(days=1)
    changed = await desk.requests.update(
        request.number,
        {
            "subject": "GPS 屏幕碎裂",
            "queue": "general",
            "owner": "agent2",
            "department": "售后",
            "contact_phone": "13900001111",
            "planned_start": start.isoformat(),
        },
        actor="sup1",
    )
    assert (changed.subject, changed.queue, changed.owner, changed.contact_phone) == (
        "GPS 屏幕碎裂",
        "general",
        "agent2",
        "+8613900001111",
    )
    again = await desk.requests.update(request.number, {"queue": "general"}, actor="sup1")
    assert again == changed  # nothing changed: nothing recorded
    cleared = await desk.requests.update(request.number, {"department": None}, actor="sup1")
    assert cleared.department is None
    fields = [
        (h.field, h.old_value, h.new_value, h.changed_by, h.changed_at)
        for h in await desk.requests.history(request.number)
    ][1:]
    assert fields == [
        ("contact_phone", "+8613812345678", "+8613900001111", "sup1", clock()),
        ("department", None, "售后", "sup1", clock()),
        ("owner", None, "agent2", "sup1", clock()),
        ("planned_start", None, start.isoformat(), "sup1", clock()),
        ("queue", "pc-digital", "general", "sup1", clock()),
        ("subject", "GPS 无法充电", "GPS 屏幕碎裂", "sup1", clock()),
        ("department", "售后", None, "sup1", clock()),
    ]


async def test_priority_comes_from_the_tables_and_an_override_needs_a_reason(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    table = {
        (r.request_type, r.member_level): r.priority for r in await desk.setup.priority_table()
    }
    assert table == dict(DEFAULT_PRIORITY_TABLE)
    sla = {(r.request_type, r.priority): (r.response_minutes, r.resolution_minutes)
           for r in await desk.setup.sla_table()}  # fmt: skip
    assert sla == {
        key: (t.response_minutes, t.resolution_minutes) for key, t in DEFAULT_SLA.items()
    }

    five_star = await new_member(any_crm, level=5)
    one_star = await new_member(any_crm, name="张三", phone="13700001111")
    complaint = {"subject": "服务态度差", "request_type": "complaint"}
    urgent = await desk.requests.open({**complaint, "member_number": five_star}, actor="agent1")
    normal = await desk.requests.open({**complaint, "member_number": one_star}, actor="agent1")
    assert (urgent.priority, normal.priority) == (1, 3)

    before = await snapshot(any_crm.db)
    with pytest.raises(RoleNotAllowedError):
        await desk.setup.set_priority_rule(
            {"request_type": "complaint", "member_level": 1, "priority": 2}, actor="agent1"
        )
    with pytest.raises(InvalidInputError):
        await desk.setup.set_sla_rule(
            {"request_type": "complaint", "priority": 2, "response_minutes": 60,
             "resolution_minutes": 30}, actor="sup1"
        )  # fmt: skip
    with pytest.raises(InvalidInputError):
        await desk.requests.override_priority(normal.number, 2, reason="", actor="agent1")
    with pytest.raises(InvalidInputError):
        await desk.requests.override_priority(normal.number, 5, reason="x", actor="agent1")
    assert await snapshot(any_crm.db) == before

    await desk.setup.set_priority_rule(
        {"request_type": "complaint", "member_level": 1, "priority": 2}, actor="sup1"
    )
    await desk.setup.set_sla_rule(
        {"request_type": "complaint", "priority": 2, "response_minutes": 45,
         "resolution_minutes": 600}, actor="sup1"
    )  # fmt: skip
    logged = clock()
    now_high = await desk.requests.open({**complaint, "member_number": one_star}, actor="agent1")
    assert now_high.priority == 2
    assert now_high.response_due == logged + timedelta(minutes=45)
    assert now_high.resolution_due == logged + timedelta(minutes=600)

    clock.advance(minutes=3)
    raised = await desk.requests.override_priority(
        normal.number, 1, reason="媒体曝光风险", actor="sup1"
    )
    assert (raised.priority, raised.priority_overridden) == (1, True)
    assert raised.resolution_due == normal.created_at + timedelta(hours=4)
    override = [h for h in await desk.requests.history(normal.number) if h.field != "status"]
    assert [(h.field, h.old_value, h.new_value, h.reason) for h in override] == [
        ("priority", "3", "1", "媒体曝光风险"),
        ("response_due", normal.response_due.isoformat(), raised.response_due.isoformat(),
         "媒体曝光风险"),
        ("resolution_due", normal.resolution_due.isoformat(), raised.resolution_due.isoformat(),
         "媒体曝光风险"),
    ]  # fmt: skip
    given = await desk.requests.open(
        {**complaint, "member_number": one_star, "priority": 4, "priority_reason": "test call"},
        actor="agent1",
    )
    assert (given.priority, given.priority_overridden) == (4, True)
    first = (await desk.requests.history(given.number))[1]
    assert (first.field, first.old_value, first.new_value, first.reason) == (
        "priority",
        "2",
        "4",
        "test call",
    )


async def test_overdue_requests_and_kpis_per_queue_and_owner(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)  # level 1: repairs are priority 3 (2 h / 48 h)
    start = clock()
    quick = (await desk.requests.open(repair(member), actor="agent1")).number
    slow = (await desk.requests.open(repair(member, queue="general"), actor="agent1")).number
    ignored = (await desk.requests.open(repair(member, queue="general"), actor="agent1")).number
    dropped = (await desk.requests.open(repair(member), actor="agent1")).number
    await desk.requests.cancel(dropped, reason="duplicate", actor="agent1")
    clock.advance(minutes=20)
    await desk.requests.accept(quick, actor="agent1")
    await desk.requests.start(quick, actor="agent1")
    clock.advance(hours=2)
    await desk.requests.resolve(quick, result="ok", actor="agent1")
    await desk.requests.accept(slow, actor="agent2")  # after 2 h 20: late
    overdue = await desk.queries.overdue()  # slow responded late, but it did respond
    assert [(o.number, o.overdue, o.overdue_by) for o in overdue] == [
        (ignored, ("response",), timedelta(minutes=20))
    ]
    clock.advance(hours=1)
    overdue = await desk.queries.overdue()
    assert [(o.number, o.overdue) for o in overdue] == [(ignored, ("response",))]
    assert overdue[0].overdue_by == timedelta(minutes=80)
    clock.advance(days=2)
    overdue = await desk.queries.overdue()
    assert [(o.number, o.overdue) for o in overdue] == [  # earliest missed deadline first
        (ignored, ("response", "resolution")),
        (slow, ("resolution",)),
    ]
    assert [o.number for o in await desk.queries.overdue(owner="agent2")] == [slow]
    assert [o.number for o in await desk.queries.overdue(queue="pc-digital")] == []

    kpis = await desk.kpis.kpis(since=start, until=start + timedelta(days=1))
    total = kpis.total
    assert (total.requests, total.cancelled, total.overdue) == (3, 1, 2)
    assert (total.responded_within_1h, total.response_measured) == (1, 3)
    assert (total.resolved_within_24h, total.resolution_measured) == (1, 3)
    assert total.response_rate == Decimal("0.3333")
    by_queue = {f.group: f for f in kpis.by_queue}
    assert set(by_queue) == {"pc-digital", "general"}
    assert (by_queue["pc-digital"].requests, by_queue["pc-digital"].response_rate) == (
        1,
        Decimal("1.0000"),
    )
    assert (by_queue["general"].overdue, by_queue["general"].resolution_rate) == (2, Decimal(0))
    by_owner = {f.group: f for f in kpis.by_owner}
    assert set(by_owner) == {"agent1", "agent2", None}
    assert by_owner[None].requests == 1 and by_owner[None].cancelled == 1

    found = await desk.queries.find(queue="general", open_only=True)
    assert [r.number for r in found] == [ignored, slow]
    assert [
        r.number for r in await desk.queries.find(member_number=member, status="cancelled")
    ] == [dropped]
    with pytest.raises(InvalidInputError):
        await desk.queries.find(status="lost")
    with pytest.raises(InvalidInputError):
        await desk.kpis.kpis(since=start, until=start)


async def test_a_work_order_plan_can_change_while_open(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    member = await new_member(any_crm)
    request = (await desk.requests.open(repair(member), actor="agent1")).number
    await desk.requests.accept(request, actor="agent1")
    order = (await desk.work_orders.create(request, {"budget": "50"}, actor="agent1")).number
    changed = await desk.work_orders.update(
        order, {"engineer": "eng1", "budget": "80.5", "planned_hours": "2"}, actor="agent1"
    )
    assert (changed.engineer, changed.budget_cents, changed.planned_hours) == (
        "eng1",
        8050,
        Decimal("2"),
    )
    assert [w.number for w in await desk.work_orders.worklist("eng1")] == [order]
    history = [(h.field, h.old_value, h.new_value) for h in await desk.requests.history(request)]
    assert ("budget", "50.00", "80.50") in history and ("engineer", None, "eng1") in history
    before = await snapshot(any_crm.db)
    with pytest.raises(InvalidInputError):
        await desk.work_orders.update(order, {"budget": "-1"}, actor="agent1")
    with pytest.raises(InvalidInputError):
        await desk.work_orders.update(order, {"budget": "1.005"}, actor="agent1")
    with pytest.raises(InvalidInputError):
        await desk.work_orders.add_part(
            order, {"product_code": "P", "product_name": "p", "quantity": 0, "unit_price": "1"},
            actor="eng1",
        )  # fmt: skip
    assert await snapshot(any_crm.db) == before
    assert RequestType.REPAIR in {r.request_type for r in await desk.queries.find()}


async def test_concurrent_calls_only_fail_the_illegal_ones(any_crm: Crm, desk: ServiceDesk) -> None:
    member = await new_member(any_crm)
    opened = await asyncio.gather(
        *(desk.requests.open(repair(member), actor="agent1") for _ in range(12))
    )
    numbers = sorted(request.number for request in opened)
    assert len(set(numbers)) == 12
    # every request accepted once, the first one twice: only that second accept fails
    outcomes = await asyncio.gather(
        *(desk.requests.accept(number, actor="agent2") for number in [*numbers, numbers[0]]),
        return_exceptions=True,
    )
    failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], IllegalTransitionError)
    for number in numbers:
        history = await desk.requests.history(number)
        assert [(h.field, h.new_value) for h in history] == [
            ("status", "new"),
            ("status", "accepted"),
            ("owner", "agent2"),
        ]
