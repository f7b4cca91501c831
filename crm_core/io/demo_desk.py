"""The demo's call centre: staff, service queues, disposition codes, the phone survey,
knowledge-base articles, and some calls, service requests and survey answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_core.knowledge.demo import seed_demo_articles
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm

DEMO_PIN = "2580"
"""The self-service PIN the demo gives its first members (a demo, not a secret)."""
DEMO_PIN_MEMBERS = 3

STAFF = (
    (
        "demo.agent",
        "王芳 Wang Fang",
        "agent",
        "6001",
        "Local/6001@test-phones/n",
        "hotline:0,vip:0",
    ),
    (
        "demo.agent2",
        "刘洋 Liu Yang",
        "agent",
        "6002",
        "Local/6002@test-phones/n",
        "hotline:0,vip:1",
    ),
    ("demo.engineer", "赵磊 Zhao Lei", "agent", "6003", "Local/6003@test-phones/n", "hotline:5"),
    (
        "demo.sup",
        "陈静 Chen Jing",
        "supervisor",
        "6100",
        "Local/6100@test-phones/n",
        "hotline:0,vip:0",
    ),
)
SERVICE_QUEUES = (
    ("general", "普通坐席 General agents"),
    ("pc-digital", "电脑数码工程师 PC & digital engineers"),
    ("large-equipment", "大型设备中高级 Large equipment mid/senior"),
)
DISPOSITIONS = (
    ("SALE", "成交 Sale"),
    ("ENQUIRY", "咨询 Enquiry answered"),
    ("COMPLAINT", "投诉 Complaint logged"),
    ("CALLBACK", "回电 Call back"),
)
SUBJECTS = (
    ("repair", "电子狗无法充电", "pc-digital"),
    ("repair", "GPS 导航仪死机", "pc-digital"),
    ("complaint", "送货延迟 Late delivery", "general"),
    ("enquiry", "积分兑换规则 Points redemption rules", "general"),
    ("exchange", "电视屏幕坏点 Dead pixels", "large-equipment"),
)


FRESH_POINTS = ((600, 20), (900, 365))
"""(points, days until they expire) granted today to the demo's first callers."""


async def _fresh_points(crm: Crm, number: str, now: datetime) -> None:
    """Points granted today, some expiring within the month: the two years of replayed
    history may have let a first (oldest) member's lots expire, and the desk should show
    valid points and the next expiry on a fresh demo."""
    for points, days in FRESH_POINTS:
        await crm.points.gift(
            number, points, reason="客服关怀 Service goodwill", operator="demo.sup",
            idempotency_key=f"demo:fresh:{number}:{days}", expires_at=now + timedelta(days=days),
        )  # fmt: skip


@dataclass(frozen=True)
class DeskSummary:
    """What the demo call centre holds."""

    staff: int
    calls: int
    requests: int
    articles: int
    pin_members: tuple[str, ...] = ()


async def seed_demo_desk(
    crm: Crm, *, members: list[str], now: datetime, seed: int = 6001
) -> DeskSummary:
    """Fill an empty call centre around the demo members (deterministic for a seed)."""
    rng = random.Random(seed)
    original = crm.set_clock(lambda: now)
    try:
        for login, name, role, extension, interface, queues in STAFF:
            await crm.users.add({
                "login": login, "display_name": name, "role": role, "extension": extension,
                "interface": interface,
                "queues": [{"queue": q.split(":")[0], "penalty": int(q.split(":")[1])}
                           for q in queues.split(",")],
            })  # fmt: skip
        for name, display in SERVICE_QUEUES:
            await crm.service_desk.setup.add_queue(
                {"name": name, "display_name": display, "owner": "demo.sup"}, actor="demo.sup"
            )
        for code, label in DISPOSITIONS:
            await crm.dispositions.define({"code": code, "label": label})
        survey = await ensure_phone_service_evaluation(crm.questionnaires, actor="demo.sup")
        pin_members = tuple(members[:DEMO_PIN_MEMBERS])
        for number in pin_members:
            await crm.selfservice.set_pin(number, DEMO_PIN, actor="demo.sup")
            await _fresh_points(crm, number, now)
        articles = await seed_demo_articles(crm.knowledge, author="demo.sup", approver="demo.sup")
        calls = requests = 0
        # The PIN members are the demo's first callers: each has calls and requests to show.
        others = [number for number in members if number not in pin_members]
        called = [*pin_members, *rng.sample(others, min(40, len(others)))]
        for index, number in enumerate(called):
            started = now - timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(600))
            agent = rng.choice(("demo.agent", "demo.agent2"))
            answered = rng.random() > 0.1
            linked_id = f"demo.{index:04d}"
            await crm.calls.record({
                "linked_id": linked_id, "direction": "inbound", "caller": "4008001234",
                "called": "4008001234", "queue": "hotline", "member_number": number,
                "agent_login": agent if answered else None, "started_at": started,
                "queued_at": started, "answered_at": started + timedelta(seconds=18)
                if answered else None, "ended_at": started + timedelta(minutes=4),
                "wait_seconds": 18 if answered else 95, "talk_seconds": 222 if answered else 0,
            })  # fmt: skip
            calls += 1
            if answered and index % 2 == 0:
                await crm.calls.set_disposition(
                    linked_id, rng.choice(DISPOSITIONS)[0], note="演示 demo", agent_login=agent
                )
                await crm.survey_responses.submit({
                    "questionnaire": survey.code, "channel": "ivr", "call_linked_id": linked_id,
                    "answers": [{"question_id": q.id, "keypad": str(rng.randint(1, 3))}
                                for q in survey.questions],
                })  # fmt: skip
            if index % 4 == 0 or index < len(pin_members):
                kind, subject, queue = rng.choice(SUBJECTS)
                await crm.service_desk.requests.open(
                    {"subject": subject, "request_type": kind, "member_number": number,
                     "queue": queue},
                    actor=agent,
                )  # fmt: skip
                requests += 1
    finally:
        crm.set_clock(original)
    return DeskSummary(
        staff=len(STAFF),
        calls=calls,
        requests=requests,
        articles=len(articles),
        pin_members=pin_members,
    )
