"""The desk routes the console uses on a record, over a real migrated SQLite CRM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.knowledge.demo import seed_demo_articles
from crm_core.selfservice.schemas import PinPolicy
from crm_core.surveys.seed import PHONE_SERVICE_EVALUATION_CODE, ensure_phone_service_evaluation
from crm_core.wiring import Crm
from cti.service import make_app

PASSWORD = "correct horse battery"
Client = TestClient[Any, Any]


@pytest.fixture
async def desk(crm: Crm) -> AsyncIterator[tuple[Client, dict[str, str], str]]:
    """The API with an agent logged in and 李娜 (500 points); client, headers, member."""
    await crm.users.add(
        {
            "login": "agent7",
            "display_name": "Agent 7",
            "role": "agent",
            "interface": "PJSIP/6007",
            "queues": [{"queue": "hotline"}],
        },
        password=PASSWORD,
    )
    member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    await crm.points.gift(member.number, 500, reason="seed", operator="t", idempotency_key="s1")
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        response = await client.post(
            "/api/login", json={"username": "agent7", "password": PASSWORD}
        )
        token = (await response.json())["token"]
        yield client, {"Authorization": f"Bearer {token}"}, member.number


async def ok(response: Any) -> Any:
    assert response.status == 200, await response.text()
    return await response.json()


async def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_grant_then_redeem_return_the_balance_and_fill_the_ledger(
    desk: tuple[Client, dict[str, str], str], crm: Crm
) -> None:
    api, headers, member = desk
    base = f"/api/members/{member}/points"
    # The caller typed the member's PIN in the IVR on this call: the agent may redeem.
    await crm.selfservice.set_pin(member, "2580", actor="t")
    check = await crm.selfservice.check_pin(
        member, "2580", caller=None, policy=PinPolicy(), call_linked_id="1700000000.5"
    )
    assert check.verified
    granted = await ok(
        await api.post(
            f"{base}/grant",
            headers=headers,
            json={"points": 200, "reason": "apology", "idempotency_key": "grant-0001"},
        )
    )
    assert granted == {
        "member_number": member, "points": 200, "valid": 700, "cumulative": 700,
        "status": "posted", "approval_id": None, "needs": None,
    }  # fmt: skip
    redeemed = await ok(
        await api.post(
            f"{base}/redeem",
            headers=headers,
            json={
                "points": 300,
                "item": "travel mug",
                "idempotency_key": "redeem-0001",
                "call_id": "1700000000.5",
            },
        )
    )
    assert redeemed["valid"] == 400
    assert redeemed["points"] == -300
    again = await ok(
        await api.post(
            f"{base}/redeem",
            headers=headers,
            json={
                "points": 300,
                "item": "travel mug",
                "idempotency_key": "redeem-0001",
                "call_id": "1700000000.5",
            },
        )
    )
    assert again["valid"] == 400, "a replayed key changes nothing"
    ledger = await ok(await api.get(f"/api/members/{member}/ledger", headers=headers))
    assert [line["points"] for line in ledger["lines"]] == [-300, 200, 500]
    assert ledger["lines"][0]["operator"] == "agent7"


async def test_redeeming_more_than_the_valid_points_is_refused_and_changes_nothing(
    desk: tuple[Client, dict[str, str], str],
) -> None:
    api, headers, member = desk
    response = await api.post(
        f"/api/members/{member}/points/redeem",
        headers=headers,
        json={"points": 5000, "item": "TV", "idempotency_key": "r-big-01"},
    )
    assert response.status in (409, 422), await response.text()
    ledger = await ok(await api.get(f"/api/members/{member}/ledger", headers=headers))
    assert len(ledger["lines"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": 0, "reason": "x", "idempotency_key": "grant-0002"}, "points"),
        ({"points": 5, "reason": "a\r\nb", "idempotency_key": "grant-0002"}, "reason"),
        ({"points": 5, "reason": "x", "idempotency_key": "no"}, "idempotency_key"),
        ({"points": 5, "reason": "x", "idempotency_key": "grant-0002", "who": "me"}, "who"),
    ],
)
async def test_a_bad_grant_body_is_a_400_naming_the_field(
    desk: tuple[Client, dict[str, str], str], body: dict[str, Any], field: str
) -> None:
    api, headers, member = desk
    response = await api.post(f"/api/members/{member}/points/grant", headers=headers, json=body)
    problem = await error(response, 400)
    assert field in problem["message"]


async def test_points_of_an_unknown_member_are_a_404(
    desk: tuple[Client, dict[str, str], str],
) -> None:
    api, headers, _ = desk
    body = {"points": 5, "reason": "x", "idempotency_key": "grant-0003"}
    await error(
        await api.post("/api/members/I-09999999/points/grant", headers=headers, json=body), 404
    )
    await error(await api.get("/api/members/I-09999999/ledger", headers=headers), 404)


async def test_a_new_member_from_an_unknown_caller_is_found_by_the_number(
    desk: tuple[Client, dict[str, str], str],
) -> None:
    api, headers, _ = desk
    created = await ok(
        await api.post(
            "/api/members", headers=headers, json={"name": "Zhou Min", "phones": ["13900000001"]}
        )
    )
    found = await ok(await api.get("/api/members?phone=13900000001", headers=headers))
    assert [m["number"] for m in found["members"]] == [created["number"]]
    await error(await api.post("/api/members", headers=headers, json={"name": "X"}), 400)


async def test_a_service_request_and_a_note_from_the_call_are_on_the_record(
    crm: Crm, desk: tuple[Client, dict[str, str], str]
) -> None:
    api, headers, member = desk
    opened = await ok(
        await api.post(
            "/api/service-requests",
            headers=headers,
            json={
                "subject": "电子狗无法充电",
                "request_type": "repair",
                "member_number": member,
                "contact_phone": "13812345678",
                "call_id": "1700000000.1",
            },
        )
    )
    assert opened["member_number"] == member
    assert opened["description"] is None, "the call is a link, not text"
    assert (opened["call_id"], opened["pending_call_linked_id"]) == (None, "1700000000.1")
    view = await crm.member360.view(member)
    assert [r.number for r in view.open_requests] == [opened["number"]]
    note = await ok(
        await api.post(
            f"/api/members/{member}/notes",
            headers=headers,
            json={"text": "wants a call back", "call_id": "1700000000.1"},
        )
    )
    assert note["created_by"] == "agent7"
    assert note["kind"] == "note"
    assert note["body"] == "wants a call back"
    assert (note["call_linked_id"], note["pending_call_linked_id"]) == (None, "1700000000.1")
    records = await ok(await api.get(f"/api/call-records?member_no={member}", headers=headers))
    assert records["calls"] == [], "the live call has no record yet"

    await crm.calls.record(
        {"linked_id": "1700000000.1", "direction": "inbound", "caller": "13812345678",
         "queue": "hotline", "agent_login": "agent7",
         "member_number": member, "started_at": "2026-11-22T09:00:00+00:00",
         "ended_at": "2026-11-22T09:03:00+00:00"}
    )  # fmt: skip
    records = await ok(await api.get(f"/api/call-records?member_no={member}", headers=headers))
    [call] = records["calls"]
    assert [(a["id"], a["body"]) for a in call["activities"]] == [(note["id"], note["body"])]
    assert [r["number"] for r in call["service_requests"]] == [opened["number"]]
    pop = await ok(await api.get(f"/api/members/{member}", headers=headers))
    assert [a["id"] for a in pop["last_calls"][0]["activities"]] == [note["id"]]
    assert [r["number"] for r in pop["last_calls"][0]["service_requests"]] == [opened["number"]]
    request = await crm.service_desk.requests.get(opened["number"])
    assert (request.call_linked_id, request.pending_call_linked_id) == ("1700000000.1", None)
    for path, body in (
        (f"/api/members/{member}/notes", {"text": "x", "call_id": "1700000000.1\r\nAction: x"}),
        (f"/api/members/{member}/notes", {"text": "x", "call_id": "1" * 65}),
        ("/api/service-requests", {"subject": "x", "request_type": "repair",
                                   "member_number": member, "call_id": "a\nb"}),
    ):  # fmt: skip
        assert (
            "call_id"
            in (await error(await api.post(path, headers=headers, json=body), 400))["message"]
        )
    bad = await api.post(
        "/api/service-requests",
        headers=headers,
        json={"subject": "x", "request_type": "party", "member_number": member},
    )
    assert "request_type" in (await error(bad, 400))["message"]
    missing = {"subject": "x", "request_type": "repair", "member_number": "I-09999999"}
    await error(await api.post("/api/service-requests", headers=headers, json=missing), 404)


async def test_the_knowledge_base_finds_a_two_character_chinese_word(
    crm: Crm, desk: tuple[Client, dict[str, str], str]
) -> None:
    api, headers, _ = desk
    await crm.users.add({"login": "boss", "display_name": "Boss", "role": "supervisor"})
    await seed_demo_articles(crm.knowledge, author="boss", approver="boss")
    hits = await ok(await api.get("/api/kb/search?q=充电", headers=headers))
    assert hits["hits"][0]["title"] == "电子狗无法充电怎么办"
    article = await ok(await api.get(f"/api/kb/articles/{hits['hits'][0]['id']}", headers=headers))
    assert "充电" in article["body"]
    await error(await api.get("/api/kb/articles/99999", headers=headers), 404)
    await error(await api.get("/api/kb/articles/..%2Fetc", headers=headers), 400)
    await error(await api.get("/api/kb/search", headers=headers), 400)


async def test_a_survey_run_by_the_agent_is_stored_with_the_agent(
    crm: Crm, desk: tuple[Client, dict[str, str], str]
) -> None:
    api, headers, member = desk
    await ensure_phone_service_evaluation(crm.questionnaires, actor="boss")
    survey = await ok(
        await api.get(f"/api/surveys/{PHONE_SERVICE_EVALUATION_CODE}", headers=headers)
    )
    answers = [
        {"question_id": q["id"], "option_ids": [q["options"][0]["id"]]} for q in survey["questions"]
    ]
    response = await ok(
        await api.post(
            "/api/survey-responses",
            headers=headers,
            json={"questionnaire": survey["code"], "member_number": member, "answers": answers},
        )
    )
    assert response["agent"] == "agent7"
    assert response["member_number"] == member
    await error(await api.get("/api/surveys/no-such-survey", headers=headers), 404)


async def test_dispositions_and_roles(crm: Crm, desk: tuple[Client, dict[str, str], str]) -> None:
    api, headers, _ = desk
    await crm.dispositions.define({"code": "SALE", "label": "Sale"})
    codes = await ok(await api.get("/api/dispositions?queue=hotline", headers=headers))
    assert [code["code"] for code in codes["codes"]] == ["SALE"]
    assert (await api.get("/api/dispositions")).status == 401
    await error(await api.get("/api/dispositions?queue=a%0Ab", headers=headers), 400)


async def test_the_openapi_document_lists_the_desk_routes_for_staff(
    desk: tuple[Client, dict[str, str], str],
) -> None:
    api, _, _ = desk
    document = await ok(await api.get("/api/openapi.json"))
    grant = document["paths"]["/api/members/{member_no}/points/grant"]["post"]
    assert grant["x-roles"] == ["admin", "agent", "supervisor"]
    assert {"400", "404", "200"} <= set(grant["responses"])
    body = grant["requestBody"]["content"]["application/json"]["schema"]
    assert "idempotency_key" in body["properties"]
    for path in ("/api/service-requests", "/api/kb/search", "/api/survey-responses",
                 "/api/dispositions", "/api/members/{member_no}/ledger"):  # fmt: skip
        assert path in document["paths"], path
