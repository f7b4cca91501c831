"""CRM reads over the API: member lookups, the 360° view, the call log, the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.service import make_app
from tests.conftest import START

PASSWORD = "correct horse battery"


@pytest.fixture
async def crm_with_data(crm: Crm) -> Crm:
    """Two members (one with a card), an agent of both queues and eight calls."""
    await crm.users.add(
        {"login": "agent7", "display_name": "Agent 7", "role": "agent",
         "queues": [{"queue": "sales"}, {"queue": "support"}]},
        password=PASSWORD,
    )  # fmt: skip
    await crm.users.add({"login": "agent8", "display_name": "Agent 8", "role": "agent"})
    li = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    await crm.members.create({"name": "李四", "phones": ["13900000000"]}, actor="t")
    await crm.members.create({"name": "王五_x", "phones": ["13700000000"]}, actor="t")
    await crm.cards.issue("GC-000123", "04a22b1a", actor="t")
    await crm.cards.bind("GC-000123", li.number, actor="t")
    for index in range(8):
        await crm.calls.record(
            {
                "linked_id": f"call-{index}",
                "direction": "inbound",
                "caller": "13812345678" if index % 2 == 0 else "13900000000",
                "queue": "sales" if index < 6 else "support",
                "agent_login": "agent7" if index % 4 else "agent8",
                "member_number": li.number if index % 2 == 0 else None,
                "started_at": START - timedelta(hours=8 - index),
            }
        )
    return crm


@pytest.fixture
async def api(crm_with_data: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the API on a loopback socket."""
    async with TestClient(TestServer(make_app(crm=crm_with_data))) as client:
        yield client


@pytest.fixture
async def headers(api: TestClient[Any, Any]) -> dict[str, str]:
    """An agent's Authorization header."""
    response = await api.post("/api/login", json={"username": "agent7", "password": PASSWORD})
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def get_json(
    api: TestClient[Any, Any], path: str, headers: dict[str, str], status: int = 200
) -> Any:
    response = await api.get(path, headers=headers)
    assert response.status == status, await response.text()
    return await response.json()


# -- members ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("phone=138-1234-5678", ["李娜"]),
        ("phone=%2B8613900000000", ["李四"]),
        ("phone=13600000000", []),
        ("card=gc-000123", ["李娜"]),
        ("card=GC-999999", []),
        ("q=李", ["李四", "李娜"]),
        ("q=王五_", ["王五_x"]),
        ("q=%25", []),
        ("q=13812345678", ["李娜"]),
        ("q=nobody", []),
    ],
)
async def test_members_are_found_by_phone_card_or_text(
    api: TestClient[Any, Any], headers: dict[str, str], query: str, names: list[str]
) -> None:
    body = await get_json(api, f"/api/members?{query}", headers)
    assert sorted(member["name"] for member in body["members"]) == names


async def test_q_finds_a_member_by_number(
    api: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    (found,) = (await get_json(api, "/api/members?phone=13812345678", headers))["members"]
    body = await get_json(api, f"/api/members?q={found['number'].lower()}", headers)
    assert body["members"] == [found]
    assert set(found) == {"number", "name", "level", "member_type"}


@pytest.mark.parametrize("query", ["", "phone=1&card=2", "phone=1&phone=2", "colour=red"])
async def test_members_needs_exactly_one_known_criterion(
    api: TestClient[Any, Any], headers: dict[str, str], query: str
) -> None:
    error = await get_json(api, f"/api/members?{query}", headers, status=400)
    assert error["error_id"] == "invalid-query"


async def test_the_360_view_of_a_member(api: TestClient[Any, Any], headers: dict[str, str]) -> None:
    (found,) = (await get_json(api, "/api/members?phone=13812345678", headers))["members"]
    view = await get_json(api, f"/api/members/{found['number']}", headers)
    assert view["profile"]["name"] == "李娜"
    assert [phone["e164"] for phone in view["profile"]["phones"]] == ["+8613812345678"]
    assert [card["card_number"] for card in view["cards"]] == ["GC-000123"]
    assert [call["linked_id"] for call in view["last_calls"]] == [
        "call-6", "call-4", "call-2", "call-0"
    ]  # fmt: skip
    assert set(view["points"]) >= {"valid", "cumulative", "expiring_soon"}


async def test_an_unknown_member_is_a_404(
    api: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    error = await get_json(api, "/api/members/I-99999999", headers, status=404)
    assert error["error_id"] == "not-found"
    assert error["details"] == {"member_number": "I-99999999"}


# -- call records ----------------------------------------------------------------------
async def linked_ids(api: TestClient[Any, Any], headers: dict[str, str], query: str) -> list[str]:
    body = await get_json(api, f"/api/call-records?{query}", headers)
    return [call["linked_id"] for call in body["calls"]]


async def test_call_records_filter_by_agent_queue_number_and_time(
    api: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    assert await linked_ids(api, headers, "agent=agent8") == ["call-4", "call-0"]
    assert await linked_ids(api, headers, "queue=support") == ["call-7", "call-6"]
    assert await linked_ids(api, headers, "number=13900000000&queue=sales") == [
        "call-5", "call-3", "call-1"
    ]  # fmt: skip
    since = (START - timedelta(hours=4)).isoformat().replace("+00:00", "Z")
    until = (START - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert await linked_ids(api, headers, f"from={since}&to={until}") == ["call-5", "call-4"]


async def test_call_records_by_member(api: TestClient[Any, Any], headers: dict[str, str]) -> None:
    (found,) = (await get_json(api, "/api/members?phone=13812345678", headers))["members"]
    calls = await linked_ids(api, headers, f"member_no={found['number']}")
    assert calls == ["call-6", "call-4", "call-2", "call-0"]


async def test_call_records_come_in_pages(
    api: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    seen: list[str] = []
    query = "limit=3"
    while True:
        body = await get_json(api, f"/api/call-records?{query}", headers)
        seen += [call["linked_id"] for call in body["calls"]]
        if body["next_cursor"] is None:
            break
        query = f"limit=3&cursor={body['next_cursor']}"
    assert seen == [f"call-{index}" for index in reversed(range(8))]


@pytest.mark.parametrize(
    ("query", "status", "error_id"),
    [
        ("limit=0", 400, "invalid-query"),
        ("from=yesterday", 400, "invalid-query"),
        ("from=2026-03-02T09:00:00", 400, "invalid-query"),
        ("member=I-1", 400, "invalid-query"),
        ("member_no=nonsense", 422, "invalid-input"),
        ("cursor=bm9wZQ", 400, "invalid-query"),
    ],
)
async def test_bad_call_record_queries_are_refused(
    api: TestClient[Any, Any], headers: dict[str, str], query: str, status: int, error_id: str
) -> None:
    error = await get_json(api, f"/api/call-records?{query}", headers, status=status)
    assert error["error_id"] == error_id


# -- the OpenAPI document --------------------------------------------------------------
async def test_openapi_describes_every_route(api: TestClient[Any, Any]) -> None:
    document = await get_json(api, "/api/openapi.json", {})
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in api.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == served
    members = document["paths"]["/api/members"]["get"]
    assert {parameter["name"] for parameter in members["parameters"]} == {"phone", "card", "q"}
    calls = document["paths"]["/api/call-records"]["get"]
    assert {parameter["name"] for parameter in calls["parameters"]} >= {"from", "to", "member_no"}
    login = document["paths"]["/api/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "username", "password"
    ]  # fmt: skip
    assert login["security"] == []
    assert document["paths"]["/api/users"]["get"]["x-roles"] == ["admin", "supervisor"]
    refs = _refs(document)
    assert refs <= set(document["components"]["schemas"])
    assert "Member360" in refs


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()
