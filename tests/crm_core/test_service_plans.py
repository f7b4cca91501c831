"""Member assets and active service plans on SQLite and PostgreSQL: birthdays (year wrap,
29 February), warranty expiry, custom member queries, idempotent runs, working tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.service_desk.desk import ServiceDesk
from crm_core.service_desk.exceptions import (
    DuplicateAssetError,
    RoleNotAllowedError,
    TaskClosedError,
    TaskHasRequestError,
    UnknownQueueError,
)
from crm_core.service_desk.kinds import RequestChannel, TaskStatus
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import new_member, snapshot
from tests.support.service_desk import desk_with_queues


@pytest.fixture
async def desk(any_crm: Crm, clock: Clock) -> ServiceDesk:
    """The service desk over SQLite, then PostgreSQL."""
    return await desk_with_queues(any_crm, clock)


async def test_assets_are_registered_once_per_serial_and_product(
    any_crm: Crm, desk: ServiceDesk
) -> None:
    member = await new_member(any_crm)
    tv = await desk.assets.register(
        member,
        {"product_code": "TV-55", "product_name": "55 寸电视", "serial": "A1",
         "purchase_date": "2025-01-10", "warranty_end": "2026-01-10"},
        actor="agent1",
    )  # fmt: skip
    same_serial = await desk.assets.register(
        member, {"product_code": "FRIDGE", "product_name": "冰箱", "serial": "A1"}, actor="agent1"
    )
    assert [a.id for a in await desk.assets.of_member(member)] == [tv.id, same_serial.id]
    extended = await desk.assets.update(tv.id, {"warranty_end": "2028-01-10"}, actor="agent1")
    assert extended.warranty_end == date(2028, 1, 10)
    assert (await desk.assets.get(tv.id)).member_number == member
    before = await snapshot(any_crm.db)
    with pytest.raises(DuplicateAssetError):
        await desk.assets.register(
            member, {"product_code": "TV-55", "product_name": "x", "serial": "A1"}, actor="agent1"
        )
    with pytest.raises(InvalidInputError):
        await desk.assets.update(tv.id, {"warranty_end": "2020-01-01"}, actor="agent1")
    with pytest.raises(InvalidInputError):
        await desk.assets.register(
            member,
            {"product_code": "X", "product_name": "x", "serial": "S",
             "purchase_date": "2025-02-01", "warranty_end": "2025-01-01"},
            actor="agent1",
        )  # fmt: skip
    with pytest.raises(NotFoundError):
        await desk.assets.register(
            "I-09999999", {"product_code": "X", "product_name": "x", "serial": "S"}, actor="agent1"
        )
    with pytest.raises(NotFoundError):
        await desk.assets.get(12345)
    with pytest.raises(InvalidInputError):
        await desk.assets.get(-1)
    assert await snapshot(any_crm.db) == before


async def test_birthday_care_across_the_new_year_runs_once_per_window(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    clock.now = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    members = {
        birthday: await new_member(any_crm, name=f"m{birthday}", phone=f"1380000{i:04d}",
                                   birthday=birthday, level=5 if i % 2 else 1)
        for i, birthday in enumerate(
            ["1980-12-27", "1980-12-28", "1990-12-31", "1985-01-03", "1985-01-04", "1970-06-01"]
        )
    }  # fmt: skip
    await new_member(any_crm, name="no birthday", phone="13811110000")
    plan = await desk.plans.create(
        {"name": "生日关怀", "kind": "birthday_care", "queue": "general",
         "criteria": {"within_days": 6}},
        actor="sup1",
    )  # fmt: skip
    first = await desk.plans.generate(plan.id, actor="sup1")
    assert (first.window_start, first.window_end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert (first.matched, first.created) == (3, 3)
    tasks = await desk.plans.tasks(plan_id=plan.id)
    assert [(t.member_number, t.due_date) for t in tasks] == [
        (members["1980-12-28"], date(2026, 12, 28)),
        (members["1990-12-31"], date(2026, 12, 31)),
        (members["1985-01-03"], date(2027, 1, 3)),
    ]
    assert {t.queue for t in tasks} == {"general"}
    again = await desk.plans.generate(plan.id, actor="sup1")
    assert (again.matched, again.created) == (3, 0)
    clock.advance(days=1)  # the window moves one day: only the newcomer is added
    moved = await desk.plans.generate(plan.id, actor="sup1")
    assert (moved.matched, moved.created) == (3, 1)
    assert len(await desk.plans.tasks(plan_id=plan.id)) == 4

    vip = await desk.plans.create(
        {"name": "五星生日", "kind": "birthday_care", "queue": "general",
         "criteria": {"within_days": 30, "levels": [5]}},
        actor="sup1",
    )  # fmt: skip
    assert (await desk.plans.generate(vip.id, actor="sup1")).matched == 1
    assert [t.member_number for t in await desk.plans.tasks(plan_id=vip.id)] == [
        members["1985-01-03"]  # the five-star members are the odd ones; 12-28 has passed
    ]


async def test_29_february_birthdays_are_kept_on_28_february_in_common_years(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    leapling = await new_member(any_crm, name="闰日", birthday="2000-02-29")
    plan = await desk.plans.create(
        {
            "name": "生日",
            "kind": "birthday_care",
            "queue": "general",
            "criteria": {"within_days": 1},
        },
        actor="sup1",
    )
    clock.now = datetime(2027, 2, 27, 9, tzinfo=UTC)
    assert (await desk.plans.generate(plan.id, actor="sup1")).created == 1
    clock.now = datetime(2028, 2, 27, 9, tzinfo=UTC)
    assert (await desk.plans.generate(plan.id, actor="sup1")).created == 0  # 29th: not yet
    clock.now = datetime(2028, 2, 28, 9, tzinfo=UTC)
    assert (await desk.plans.generate(plan.id, actor="sup1")).created == 1
    assert [t.due_date for t in await desk.plans.tasks(plan_id=plan.id)] == [
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert {t.member_number for t in await desk.plans.tasks(plan_id=plan.id)} == {leapling}


async def test_warranty_expiry_tasks_become_service_requests(
    any_crm: Crm, desk: ServiceDesk, clock: Clock
) -> None:
    owner = await new_member(any_crm)  # clock: 2026-03-02
    for serial, product, warranty_end in (
        ("W1", "TV-55", "2026-03-02"),
        ("W2", "TV-55", "2026-04-01"),
        ("W3", "TV-55", "2026-04-02"),
        ("W4", "AC-1", "2026-03-20"),
        ("W5", "TV-55", "2026-03-01"),
    ):
        await desk.assets.register(
            owner,
            {"product_code": product, "product_name": product, "serial": serial,
             "warranty_end": warranty_end},
            actor="agent1",
        )  # fmt: skip
    plan = await desk.plans.create(
        {"name": "电视保修到期", "kind": "warranty_expiry", "queue": "pc-digital",
         "criteria": {"within_days": 30, "product_code": "TV-55"}},
        actor="sup1",
    )  # fmt: skip
    result = await desk.plans.generate(plan.id, actor="sup1")
    assert (result.created, result.window_end) == (2, date(2026, 4, 1))
    first, second = await desk.plans.tasks(queue="pc-digital")
    assert (first.due_date, second.due_date) == (date(2026, 3, 2), date(2026, 4, 1))

    request = await desk.plans.open_request(
        first.id, {"request_type": "repair", "owner": "agent2"}, actor="agent1"
    )
    assert (request.subject, request.channel, request.queue, request.owner) == (
        "电视保修到期",
        RequestChannel.PLAN,
        "pc-digital",
        "agent2",
    )
    assert (request.member_number, request.asset_id) == (owner, first.asset_id)
    before = await snapshot(any_crm.db)
    with pytest.raises(TaskHasRequestError):
        await desk.plans.open_request(first.id, {"request_type": "repair"}, actor="agent1")
    with pytest.raises(InvalidInputError):
        await desk.plans.open_request(second.id, {"request_type": "nope"}, actor="agent1")
    with pytest.raises(NotFoundError):
        await desk.plans.complete_task(999, actor="agent1")
    assert await snapshot(any_crm.db) == before
    done = await desk.plans.complete_task(first.id, actor="agent1", note="已联系，客户续保")
    assert (done.status, done.request_number, done.note) == (
        TaskStatus.DONE,
        request.number,
        "已联系，客户续保",
    )
    await desk.plans.cancel_task(second.id, actor="agent1")
    after = await snapshot(any_crm.db)
    with pytest.raises(TaskClosedError):
        await desk.plans.cancel_task(first.id, actor="agent1")
    with pytest.raises(TaskClosedError):
        await desk.plans.open_request(second.id, {"request_type": "repair"}, actor="agent1")
    assert await snapshot(any_crm.db) == after
    assert await desk.plans.tasks(plan_id=plan.id) == []  # open ones by default
    assert len(await desk.plans.tasks(plan_id=plan.id, status=None)) == 2


async def test_custom_plans_and_plan_rules(any_crm: Crm, desk: ServiceDesk, clock: Clock) -> None:
    await new_member(any_crm, name="一星", phone="13800000001", level=1, city="上海")
    gold = await new_member(any_crm, name="五星", phone="13800000002", level=5, city="上海")
    await new_member(any_crm, name="五星北京", phone="13800000003", level=5, city="北京")
    plan = await desk.plans.create(
        {"name": "上海五星回访", "kind": "custom", "queue": "general",
         "criteria": {"levels": [5], "city": "上海", "due_in_days": 3}},
        actor="sup1",
    )  # fmt: skip
    result = await desk.plans.generate(plan.id, actor="sup1")
    assert (result.created, result.window_start) == (1, date(2026, 3, 5))
    assert [t.member_number for t in await desk.plans.tasks(plan_id=plan.id)] == [gold]
    assert (await desk.plans.generate(plan.id, actor="sup1")).created == 0
    assert [p.id for p in await desk.plans.plans()] == [plan.id]
    assert (await desk.plans.get(plan.id)).criteria.levels == [5]

    before = await snapshot(any_crm.db)
    for body, actor, error in (
        ({"name": "x", "kind": "custom", "queue": "general"}, "sup1", InvalidInputError),
        ({"name": "x", "kind": "birthday_care", "queue": "nowhere"}, "sup1", UnknownQueueError),
        ({"name": "x", "kind": "birthday_care", "queue": "general"}, "agent1", RoleNotAllowedError),
        (
            {"name": "x", "kind": "birthday_care", "queue": "general",
             "criteria": {"within_days": 400}},
            "sup1",
            InvalidInputError,
        ),
        (
            {"name": "x", "kind": "birthday_care", "queue": "general",
             "criteria": {"product_code": "TV"}},
            "sup1",
            InvalidInputError,
        ),
    ):  # fmt: skip
        with pytest.raises(error):
            await desk.plans.create(body, actor=actor)
    with pytest.raises(RoleNotAllowedError):
        await desk.plans.generate(plan.id, actor="agent1")
    with pytest.raises(NotFoundError):
        await desk.plans.generate(999, actor="sup1")
    assert await snapshot(any_crm.db) == before
