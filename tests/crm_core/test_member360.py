"""The member 360° view: every part, in one call, with a constant number of statements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm_core.db.statements import StatementRunner
from crm_core.errors import NotFoundError
from crm_core.members.models import CardStatus
from crm_core.service_desk.workflow import RequestStatus
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import brochure_rules, new_member, order


async def _staff(crm: Crm) -> None:
    await crm.users.add({"login": "agent7", "display_name": "Agent 7", "role": "agent"})
    await crm.users.add({"login": "sup1", "display_name": "Sup 1", "role": "supervisor"})
    await crm.service_desk.setup.add_queue(
        {"name": "pc-digital", "display_name": "PC & digital engineers"}, actor="sup1"
    )


async def _calls(crm: Crm, clock: Clock, member: str, count: int) -> None:
    for i in range(count):
        start = clock() - timedelta(hours=count - i)
        await crm.calls.record(
            {
                "linked_id": f"1700000000.{member[-3:]}{i:04d}",
                "direction": "inbound",
                "caller": "13812345678",
                "queue": "sales",
                "agent_login": "agent7",
                "member_number": member,
                "started_at": start,
                "answered_at": start + timedelta(seconds=20),
                "ended_at": start + timedelta(minutes=3),
                "talk_seconds": 160,
            }
        )


async def test_the_view_shows_every_part_of_the_member(any_crm: Crm, clock: Clock) -> None:
    await brochure_rules(any_crm)
    await _staff(any_crm)
    await any_crm.members.add_member_type("gold", "Gold card")
    number = await new_member(any_crm, level=4, member_type="gold", city="上海")
    await any_crm.cards.issue("GC-1", "04A22B1A", card_type="gold", actor="desk")
    await any_crm.cards.bind("GC-1", number, actor="desk")
    soon = clock() + timedelta(days=10)
    await any_crm.points.gift(
        number, 300, reason="goodwill", operator="sup1", idempotency_key="g", expires_at=soon
    )
    for i in range(7):
        await any_crm.orders.record(
            order(f"O-{i}", number, clock() - timedelta(days=i), ("P", "home", "100")),
            operator="shop",
        )
    asset = await any_crm.service_desk.assets.register(
        number,
        {"product_code": "GPS-70", "product_name": "车载 GPS", "serial": "SN1",
         "purchase_date": date(2025, 1, 2), "warranty_end": date(2027, 1, 2)},
        actor="agent7",
    )  # fmt: skip
    open_request = await any_crm.service_desk.requests.open(
        {"subject": "GPS 无法充电", "request_type": "repair", "member_number": number,
         "queue": "pc-digital", "asset_id": asset.id},
        actor="agent7",
    )  # fmt: skip
    done = await any_crm.service_desk.requests.open(
        {"subject": "营业时间?", "request_type": "enquiry", "member_number": number},
        actor="agent7",
    )  # fmt: skip
    await any_crm.service_desk.requests.cancel(done.number, reason="answered", actor="agent7")
    await _calls(any_crm, clock, number, 8)
    survey = await ensure_phone_service_evaluation(any_crm.questionnaires)
    await any_crm.survey_responses.submit(
        {
            "questionnaire": survey.code, "channel": "ivr", "member_number": number,
            # first person (unscored) · < 30 s · excellent · good · poor
            "answers": [
                {"question_id": question.id, "keypad": digit}
                for question, digit in zip(survey.questions, "12123", strict=True)
            ],
        }
    )  # fmt: skip

    view = await any_crm.member360.view(number)
    assert view.last_survey is not None and view.last_survey.questionnaire == survey.code
    assert view.last_survey.score is not None
    assert view.last_survey.score == (await any_crm.survey_responses.last_completed(number)).score  # type: ignore[union-attr]
    assert (view.profile.number, view.profile.level, view.profile.city) == (number, 4, "上海")
    assert [p.e164 for p in view.profile.phones] == ["+8613812345678"]
    assert [(c.card_number, c.status) for c in view.cards] == [("GC-1", CardStatus.ACTIVE)]
    assert (view.points.valid, view.points.cumulative) == (1000 + 300 + 700, 2000)
    assert [lot.points for lot in view.points.expiring_soon] == [300]
    assert [o.order_ref for o in view.last_orders] == ["O-0", "O-1", "O-2", "O-3", "O-4"]
    assert [line.product_code for line in view.last_orders[0].lines] == ["P"]
    assert [(r.number, r.status, r.queue) for r in view.open_requests] == [
        (open_request.number, RequestStatus.NEW, "pc-digital")
    ]
    assert len(view.last_calls) == 5 and view.last_calls[0].agent == "agent7"
    assert view.last_calls[0].started_at > view.last_calls[-1].started_at
    assert [(a.serial, a.warranty_end) for a in view.assets] == [("SN1", date(2027, 1, 2))]


async def test_statements_do_not_grow_with_the_rows(any_crm: Crm, clock: Clock) -> None:
    await _staff(any_crm)
    few = await new_member(any_crm, name="Few", phone="13900000001")
    many = await new_member(any_crm, name="Many", phone="13900000002")
    await _calls(any_crm, clock, few, 1)
    await _calls(any_crm, clock, many, 12)

    def count(number: str) -> int:
        def read(run: StatementRunner) -> int:
            any_crm.member360.read_in(run, number)
            return run.statements

        return read  # type: ignore[return-value]

    few_statements = await any_crm.db.run_read(count(few))  # type: ignore[arg-type]
    many_statements = await any_crm.db.run_read(count(many))  # type: ignore[arg-type]
    assert few_statements == many_statements <= 13


async def test_an_unknown_member_is_not_found(any_crm: Crm) -> None:
    with pytest.raises(NotFoundError):
        await any_crm.member360.view("I-99999999")
