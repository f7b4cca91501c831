"""Members: numbers, phones, change history, bonuses, lookups; bad input changes nothing."""

from __future__ import annotations

import pytest

from crm_core.errors import ConflictError, InvalidInputError, NotFoundError
from crm_core.members.phones import InvalidPhoneError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import brochure_rules, new_member, snapshot


async def test_numbers_follow_the_member_kind(any_crm: Crm) -> None:
    first = await any_crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="a")
    company = await any_crm.members.create(
        {"name": "上海星辰贸易有限公司", "kind": "organisation", "phones": ["021-6123-4567"]},
        actor="a",
    )
    second = await any_crm.members.create({"name": "Wang Wei"}, actor="a")
    assert (first.number, company.number, second.number) == (
        "I-00000001",
        "E-00000001",
        "I-00000002",
    )
    assert [p.e164 for p in company.phones] == ["+862161234567"]


async def test_all_spec_fields_round_trip(any_crm: Crm) -> None:
    await any_crm.members.add_member_type("gold", "金卡 Gold card")
    created = await any_crm.members.create(
        {
            "name": "张敏",
            "gender": "female",
            "birthday": "1988-05-17",
            "phones": ["13812345678", "+86 139 0000 1111", "138 1234 5678"],
            "email": "zhang.min@example.cn",
            "address": "南京西路 1266 号",
            "province": "上海",
            "city": "上海",
            "region": "华东",
            "education": "本科",
            "income_band": "20-30万",
            "job_title": "采购经理",
            "employer": "恒隆",
            "level": 4,
            "member_type": "gold",
            "owner": "mgr.chen",
            "customer_category": "VIP",
            "purchase_intent": "车载 GPS",
            "product_interest": "GPS 导航仪",
            "custom_fields": {"wechat": "zm1988", "kids": 2},
        },
        actor="a",
    )
    fetched = await any_crm.members.get(created.number)
    assert fetched == created
    assert [p.e164 for p in fetched.phones] == ["+8613812345678", "+8613900001111"]
    assert fetched.custom_fields == {"wechat": "zm1988", "kids": 2}


async def test_changes_are_kept_in_the_history(any_crm: Crm, clock: Clock) -> None:
    await any_crm.members.add_member_type("gold", "Gold card")
    number = await new_member(any_crm, level=2, owner="mgr.chen")
    clock.advance(days=3)
    await any_crm.members.update(
        number,
        {"level": 5, "member_type": "gold", "owner": "mgr.li", "phones": ["13900001111"]},
        actor="sup.wang",
    )
    await any_crm.members.update(number, {"level": 5}, actor="sup.wang")  # no change
    history = await any_crm.members.history(number)
    assert [(c.field, c.old_value, c.new_value, c.changed_by) for c in history] == [
        ("level", "2", "5", "sup.wang"),
        ("member_type", None, "gold", "sup.wang"),
        ("owner", "mgr.chen", "mgr.li", "sup.wang"),
        ("phones", "+8613812345678", "+8613900001111", "sup.wang"),
    ]
    assert all(c.changed_at == clock.now for c in history)
    assert await any_crm.directory.lookup("13812345678") == []
    found = await any_crm.directory.lookup("+8613900001111")
    assert [m.number for m in found] == [number]


async def test_lookup_by_caller_number_in_any_trunk_form(any_crm: Crm) -> None:
    first = await new_member(any_crm, name="李娜", phone="13812345678")
    shared = await new_member(any_crm, name="李强", phone="13812345678")  # same household
    for caller in ("13812345678", "013812345678", "8613812345678", "+8613812345678"):
        found = await any_crm.directory.lookup(caller)
        assert [m.number for m in found] == [first, shared]
    assert await any_crm.directory.lookup("anonymous") == []
    assert await any_crm.directory.lookup("13999999999") == []


async def test_registration_and_referral_bonuses(any_crm: Crm) -> None:
    await brochure_rules(any_crm)
    referrer = await new_member(any_crm)
    newcomer = await new_member(any_crm, name="Li Lei", phone="13900001111", referred_by=referrer)
    company = await any_crm.members.create({"name": "星辰贸易", "kind": "organisation"}, actor="a")
    assert (await any_crm.points.summary(referrer)).valid == 1000 + 2000
    assert (await any_crm.points.summary(newcomer)).valid == 1000
    assert (await any_crm.points.summary(company.number)).valid == 1000 + 500


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"name": "x", "phones": ["12345"]}, InvalidPhoneError),
        ({"name": "x", "level": 6}, InvalidInputError),
        ({"name": "x", "level": 0}, InvalidInputError),
        ({"name": ""}, InvalidInputError),
        ({"name": "x", "email": "not-mail"}, InvalidInputError),
        ({"name": "x", "birthday": "2999-01-01"}, InvalidInputError),
        ({"name": "x", "member_type": "platinum"}, InvalidInputError),
        ({"name": "x", "colour": "red"}, InvalidInputError),
        ({"name": "x", "referred_by": "I-99999999"}, NotFoundError),
    ],
)
async def test_bad_members_are_refused_and_nothing_changes(
    any_crm: Crm, body: dict[str, object], error: type[Exception]
) -> None:
    await new_member(any_crm)
    before = await snapshot(any_crm.db)
    with pytest.raises(error):
        await any_crm.members.create(body, actor="a")
    assert await snapshot(any_crm.db) == before


async def test_bad_updates_are_refused_and_nothing_changes(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    await any_crm.members.create({"name": "other", "external_ref": "SHOP-1"}, actor="a")
    before = await snapshot(any_crm.db)
    for changes in (
        {"phones": ["13900001111", "bad"]},
        {"level": 9},
        {"name": None},
        {"member_type": "nope"},
    ):
        with pytest.raises(InvalidInputError):
            await any_crm.members.update(number, changes, actor="a")
    with pytest.raises(NotFoundError):
        await any_crm.members.update("I-99999999", {"level": 2}, actor="a")
    with pytest.raises(ConflictError):
        await any_crm.members.create({"name": "dup", "external_ref": "SHOP-1"}, actor="a")
    assert await snapshot(any_crm.db) == before
