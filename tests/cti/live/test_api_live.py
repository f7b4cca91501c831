"""The live-state routes over a LiveState the test drives: supervisors see all queues."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.protocol import AgentState, CallUpdate, QueueUpdate
from cti.service import make_app

PASSWORD = "correct horse battery"
SINCE = "2026-03-02T09:00:00Z"


class InMemoryLiveState:
    """Live state held in lists the test fills."""

    def __init__(self) -> None:
        self.queue_counters = [QueueUpdate("sales", 2, 30, 1, 1, 0, 20),
                               QueueUpdate("vip", 1, 5, 0, 1, 0, 10)]  # fmt: skip
        self.agent_states = [AgentState("agent7", "ready", SINCE, queues=["sales"]),
                             AgentState("agent9", "on_call", SINCE, queues=["vip"])]  # fmt: skip
        self.active_calls = [CallUpdate("c1", "queued", "13812345678", SINCE, "sales"),
                             CallUpdate("c2", "answered", "13900000000", SINCE, "vip",
                                        "agent9")]  # fmt: skip

    def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        return [
            q for q in self.queue_counters if visible_queues is None or q.queue in visible_queues
        ]

    def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        return [
            agent for agent in self.agent_states
            if visible_queues is None or set(agent.queues) & set(visible_queues)
        ]  # fmt: skip

    def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        return [c for c in self.active_calls if visible_queues is None or c.queue in visible_queues]


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """The API with live state: an agent of queue sales and a supervisor."""
    await crm.users.add(
        {"login": "agent7", "display_name": "A7", "role": "agent", "queues": [{"queue": "sales"}]},
        password=PASSWORD,
    )
    await crm.users.add({"login": "boss", "display_name": "B", "role": "supervisor"},
                        password=PASSWORD)  # fmt: skip
    async with TestClient(TestServer(make_app(crm=crm, live_state=InMemoryLiveState()))) as client:
        yield client


async def live(api: TestClient[Any, Any], login: str, what: str) -> list[dict[str, Any]]:
    response = await api.post("/api/login", json={"username": login, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
    response = await api.get(f"/api/{what}", headers=headers)
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = (await response.json())[what]
    return items


async def test_an_agent_sees_only_their_queues(api: TestClient[Any, Any]) -> None:
    assert [q["queue"] for q in await live(api, "agent7", "queues")] == ["sales"]
    assert [a["login"] for a in await live(api, "agent7", "agents")] == ["agent7"]
    assert [c["call_id"] for c in await live(api, "agent7", "calls")] == ["c1"]


async def test_a_supervisor_sees_everything(api: TestClient[Any, Any]) -> None:
    queues = await live(api, "boss", "queues")
    assert [(q["queue"], q["service_level_seconds"]) for q in queues] == [
        ("sales", 20),
        ("vip", 10),
    ]
    assert [c["call_id"] for c in await live(api, "boss", "calls")] == ["c1", "c2"]
    calls = await live(api, "boss", "calls")
    assert calls[1] == {"call_id": "c2", "state": "answered", "caller": "13900000000",
                        "since": SINCE, "queue": "vip", "agent": "agent9"}  # fmt: skip


async def test_live_routes_need_a_token_and_are_documented(api: TestClient[Any, Any]) -> None:
    assert (await api.get("/api/queues")).status == 401
    document = await (await api.get("/api/openapi.json")).json()
    assert {"/api/queues", "/api/agents", "/api/calls"} <= set(document["paths"])
    queue = document["components"]["schemas"]["QueueUpdate"]
    assert queue["properties"]["service_level_seconds"]["type"] == "integer"
    assert "service_level_seconds" in queue["required"]
