"""A member with a whole record for the desk's panels: requests, calls, ledger, survey."""

from __future__ import annotations

from datetime import timedelta

from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm
from cti.protocol import ScreenPop
from cti.screen_pop.lookup import member_summary
from tests.support.desk_api import NOW, ThreadedApi, fetch

LONG_NAME = "Maximilian Alexander Montgomery-Fitzwilliam III"
REQUESTS = (
    ("repair", "电子狗无法充电，死机后无法开机"),
    ("complaint", "Late delivery of the replacement television set"),
)
CALLS = (
    ("SALE", "买了充电器 bought a charger", 3),
    ("ENQUIRY", "asked how points expire", 9),
)


async def fill_record(crm: Crm, number: str, tag: str) -> None:
    """Requests, answered calls with notes and codes, points (some expiring), a survey."""
    for kind, subject in REQUESTS:
        await crm.service_desk.requests.open(
            {"subject": subject, "request_type": kind, "member_number": number}, actor="agent1"
        )
    survey = await ensure_phone_service_evaluation(crm.questionnaires, actor="boss")
    for index, (code, note, days) in enumerate(CALLS):
        started = NOW - timedelta(days=days, hours=index)
        linked_id = f"story.{tag}.{index}"
        await crm.calls.record({
            "linked_id": linked_id, "direction": "inbound", "caller": "4008001234",
            "called": "4008001234", "queue": "hotline", "member_number": number,
            "agent_login": "agent1", "started_at": started, "queued_at": started,
            "answered_at": started + timedelta(seconds=12),
            "ended_at": started + timedelta(minutes=4), "wait_seconds": 12, "talk_seconds": 228,
        })  # fmt: skip
        await crm.calls.set_disposition(linked_id, code, note=note, agent_login="agent1")
        if index == 0:
            await crm.survey_responses.submit({
                "questionnaire": survey.code, "channel": "ivr", "call_linked_id": linked_id,
                "answers": [{"question_id": q.id, "keypad": "1"} for q in survey.questions],
            })  # fmt: skip
    await crm.points.gift(number, 300, reason="生日礼遇 birthday", operator="boss",
                          idempotency_key=f"story-{tag}-soon",
                          expires_at=NOW + timedelta(days=20))  # fmt: skip
    await crm.points.redeem(number, 150, item="Thermos cup 保温杯", operator="agent1",
                            idempotency_key=f"story-{tag}-cup")  # fmt: skip


def story_pop(api: ThreadedApi, name: str | None, phone: str, call_id: str) -> ScreenPop:
    """The pop of ``phone``'s member (made, with a whole record, for ``name``)."""

    async def make(crm: Crm) -> str:
        if name is None:
            number = api.member_number
        else:
            member = await crm.members.create(
                {"name": name, "phones": [phone], "level": 5, "city": "Hangzhou",
                 "customer_category": "VIP", "purchase_intent": "TV upgrade"},
                actor="seed",
            )  # fmt: skip
            number = member.number
            await crm.points.gift(number, 5000, reason="welcome", operator="boss",
                                  idempotency_key=f"story-{number}")  # fmt: skip
        await fill_record(crm, number, number)
        return number

    number = fetch(api, make)
    view = fetch(api, lambda crm: crm.member360.view(number))
    return ScreenPop(call_id, phone, "4008001234", "Spring brochure", "hotline",
                     member_summary(view), verified_in_ivr=True)  # fmt: skip


__all__ = ["LONG_NAME", "fill_record", "story_pop"]
