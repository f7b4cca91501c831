"""Activities on members, free text or from templates checked when saved; bad input is refused."""

from __future__ import annotations

from typing import Any

import pytest

from crm_core.activities.exceptions import (
    CallOfAnotherMemberError,
    DuplicateTemplateError,
    TemplateInactiveError,
    TemplateNotFoundError,
    TemplateSyntaxError,
)
from crm_core.activities.models import ActivityKind
from crm_core.activities.services import ActivityService
from crm_core.activities.template_service import TemplateService
from crm_core.calls.services import CallLogService
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import new_member, snapshot

BIRTHDAY_SMS = {
    "name": "birthday-sms",
    "kind": "sms",
    "body": "{name}您好：祝您生日快乐！您有{points}积分（累计{cumulative}），"
    "{level}星会员专享{{礼遇}}。",
}


@pytest.fixture
def templates(any_crm: Crm, clock: Clock) -> TemplateService:
    """The template service over the test's database and clock."""
    return TemplateService(db=any_crm.db, clock=clock)


@pytest.fixture
def activities(any_crm: Crm, clock: Clock) -> ActivityService:
    """The activity service over the test's database, points service and clock."""
    return ActivityService(db=any_crm.db, points=any_crm.points, clock=clock)


async def test_a_templated_sms_is_rendered_for_the_member_and_logged(
    any_crm: Crm, templates: TemplateService, activities: ActivityService, clock: Clock
) -> None:
    number = await new_member(any_crm, level=4)
    await any_crm.points.gift(number, 1500, reason="welcome", operator="op", idempotency_key="g1")
    saved = await templates.save(BIRTHDAY_SMS, actor="admin")
    assert saved.fields == ("cumulative", "level", "name", "points") and saved.active
    preview = await activities.preview("birthday-sms", number)
    assert preview.body == "李娜您好：祝您生日快乐！您有1500积分（累计1500），4星会员专享{礼遇}。"
    clock.advance(minutes=5)
    logged = await activities.log_from_template(
        {"member_number": number, "template": "birthday-sms", "channel": "+8613812345678"},
        actor="agent7",
    )
    assert (logged.kind, logged.body, logged.template, logged.created_at) == (
        ActivityKind.SMS,
        preview.body,
        "birthday-sms",
        clock(),
    )
    assert await activities.activities_of(number) == [logged]


async def test_unsafe_templates_are_refused_when_saved(
    any_crm: Crm, templates: TemplateService
) -> None:
    await templates.save(BIRTHDAY_SMS, actor="admin")
    before = await snapshot(any_crm.db)
    for body in ("{name.__class__}", "{x[0]}", "{balance}", "{points:>8}", "{name!r}", "}{"):
        with pytest.raises(TemplateSyntaxError) as refused:
            await templates.save({**BIRTHDAY_SMS, "name": "new", "body": body}, actor="admin")
        assert "points" in refused.value.details["allowed_fields"]
    with pytest.raises(TemplateSyntaxError):
        await templates.save(
            {"name": "mail", "kind": "email", "subject": "Hi {nickname}", "body": "x"},
            actor="admin",
        )
    with pytest.raises(TemplateSyntaxError):
        await templates.change("birthday-sms", {"body": "Dear {name.upper}"})
    with pytest.raises(DuplicateTemplateError):
        await templates.save(BIRTHDAY_SMS, actor="admin")
    for bad in (
        {"name": "mail", "kind": "email", "body": "no subject"},
        {"name": "", "kind": "sms", "body": "x"},
        {"name": "x", "kind": "fax", "body": "x"},
        {"name": "x", "kind": "sms", "body": ""},
        {"name": "x", "kind": "sms", "body": "x", "sender": "me"},
        {"name": "x\r\ny", "kind": "sms", "body": "x"},
    ):
        with pytest.raises(InvalidInputError):
            await templates.save(bad, actor="admin")
    with pytest.raises(InvalidInputError):
        await templates.save({**BIRTHDAY_SMS, "name": "other"}, actor="")
    with pytest.raises(TemplateNotFoundError):
        await templates.change("nope", {"body": "x"})
    assert await snapshot(any_crm.db) == before


async def test_changing_a_template_keeps_what_was_logged(
    any_crm: Crm, templates: TemplateService, activities: ActivityService, clock: Clock
) -> None:
    number = await new_member(any_crm, city=None)
    await templates.save(
        {
            "name": "visit-note",
            "kind": "email",
            "subject": "{name}, thanks for visiting",
            "body": "City: {city}. Manager: {owner}.",
        },
        actor="admin",
    )
    first = await activities.log_from_template(
        {"member_number": number, "template": "visit-note"}, actor="agent7"
    )
    assert (first.subject, first.body) == ("李娜, thanks for visiting", "City: . Manager: .")
    clock.advance(minutes=1)
    changed = await templates.change("visit-note", {"body": "Points: {points}"})
    assert (changed.fields, changed.updated_at) == (("name", "points"), clock())
    with pytest.raises(InvalidInputError):  # an e-mail keeps its subject
        await templates.change("visit-note", {"subject": None})
    second = await activities.log_from_template(
        {"member_number": number, "template": "visit-note"}, actor="agent7"
    )
    assert second.body == "Points: 0"
    assert [a.body for a in await activities.activities_of(number)] == [
        "Points: 0",
        "City: . Manager: .",
    ]

    await templates.set_active("visit-note", False)
    assert await templates.templates() == []
    before = await snapshot(any_crm.db)
    with pytest.raises(TemplateInactiveError):
        await activities.log_from_template(
            {"member_number": number, "template": "visit-note"}, actor="agent7"
        )
    with pytest.raises(TemplateNotFoundError):
        await activities.log_from_template(
            {"member_number": number, "template": "missing"}, actor="agent7"
        )
    with pytest.raises(NotFoundError):
        await activities.log_from_template(
            {"member_number": "I-09999999", "template": "visit-note"}, actor="agent7"
        )
    assert await snapshot(any_crm.db) == before
    assert (await templates.set_active("visit-note", True)).active
    assert [t.name for t in await templates.templates(kind=ActivityKind.EMAIL)] == ["visit-note"]
    assert (await templates.get("visit-note")).body == "Points: {points}"


async def test_free_text_activities_link_to_the_members_calls(
    any_crm: Crm, activities: ActivityService, clock: Clock
) -> None:
    li = await new_member(any_crm)
    wang = await new_member(any_crm, "王伟", "13900001111")
    calls = CallLogService(db=any_crm.db, clock=clock)
    call = {"direction": "inbound", "caller": "13812345678", "started_at": clock()}
    await calls.record({**call, "linked_id": "li.1", "member_number": li})
    await calls.record({**call, "linked_id": "anon.1"})
    note = await activities.log(
        {
            "member_number": li,
            "kind": "call",
            "subject": "GPS 无法充电",
            "body": "Asked about charging.\nWill call back.",
            "call_linked_id": "li.1",
        },
        actor="agent7",
    )
    assert (note.call_linked_id, note.template, note.created_by) == ("li.1", None, "agent7")
    clock.advance(seconds=1)
    visit = await activities.log(
        {"member_number": li, "kind": "visit", "body": "Came to the Nanjing Rd store"},
        actor="desk1",
    )
    clock.advance(seconds=1)
    linked = await activities.log(
        {"member_number": wang, "kind": "note", "body": "x", "call_linked_id": "anon.1"},
        actor="a",
    )
    assert linked.call_linked_id == "anon.1"  # a call without a member may be anyone's

    assert await activities.activities_of(li) == [visit, note]
    assert await activities.activities_of(li, kind=ActivityKind.CALL) == [note]
    assert await activities.activities_of(li, limit=1, offset=1) == [note]

    before = await snapshot(any_crm.db)
    base: dict[str, Any] = {"member_number": li, "kind": "note", "body": "x"}
    with pytest.raises(CallOfAnotherMemberError):
        await activities.log({**base, "member_number": wang, "call_linked_id": "li.1"}, actor="a")
    with pytest.raises(NotFoundError):
        await activities.log({**base, "member_number": "I-09999999"}, actor="a")
    for bad in (
        {"kind": "fax"},
        {"body": ""},
        {"body": "bell\x07"},
        {"channel": "a\r\nb"},
        {"member_number": "li"},
        {"call_linked_id": "x\ny"},
        {"sent": True},
    ):
        with pytest.raises(InvalidInputError):
            await activities.log({**base, **bad}, actor="a")
    with pytest.raises(NotFoundError):
        await activities.activities_of("I-09999999")
    with pytest.raises(InvalidInputError):
        await activities.activities_of(li, limit=0)
    assert await snapshot(any_crm.db) == before
