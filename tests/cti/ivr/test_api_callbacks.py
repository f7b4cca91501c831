"""``GET /api/callbacks``: the callback tasks callers left after hours, for agents."""

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
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    await crm.users.add(
        {"login": "agent7", "display_name": "Agent 7", "role": "agent"}, password=PASSWORD
    )
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield client


async def headers(api: TestClient[Any, Any]) -> dict[str, str]:
    response = await api.post("/api/login", json={"username": "agent7", "password": PASSWORD})
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def test_agents_list_the_callbacks_due(api: TestClient[Any, Any], crm: Crm) -> None:
    member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    due = START + timedelta(hours=16)
    await crm.selfservice.leave_callback(
        caller="13812345678", member_number=member.number, mailbox="1000@ctidesk",
        message="msg0003", due_at=due,
    )  # fmt: skip
    auth = await headers(api)
    early = await api.get(
        "/api/callbacks", params={"due_by": (due - timedelta(minutes=1)).isoformat()}, headers=auth
    )
    assert (await early.json()) == {"callbacks": []}
    response = await api.get("/api/callbacks", params={"due_by": due.isoformat()}, headers=auth)
    assert response.status == 200
    [callback] = (await response.json())["callbacks"]
    assert callback["member_number"] == member.number
    assert callback["message"] == "msg0003"
    assert callback["caller"] == "13812345678"


async def test_a_time_without_zone_is_a_400_naming_the_field(api: TestClient[Any, Any]) -> None:
    response = await api.get(
        "/api/callbacks", params={"due_by": "2026-03-03T09:00"}, headers=await headers(api)
    )
    assert response.status == 400
    assert "due_by" in await response.text()


async def test_callbacks_need_a_token(api: TestClient[Any, Any]) -> None:
    assert (await api.get("/api/callbacks")).status == 401


async def test_a_callback_done_leaves_the_list_and_is_done_once(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    due = START + timedelta(hours=16)
    task = await crm.selfservice.leave_callback(
        caller="13900000001", member_number=None, mailbox="1000@ctidesk", message=None, due_at=due
    )
    auth = await headers(api)
    done = await api.post(f"/api/callbacks/{task.id}/done", headers=auth)
    assert done.status == 200, await done.text()
    assert (await done.json())["done_at"] is not None
    listed = await api.get("/api/callbacks", params={"due_by": due.isoformat()}, headers=auth)
    assert (await listed.json()) == {"callbacks": []}
    again = await api.post(f"/api/callbacks/{task.id}/done", headers=auth)
    assert again.status == 409
    for unknown in (str(task.id + 1), "x1", "1%2F..%2F2"):
        missing = await api.post(f"/api/callbacks/{unknown}/done", headers=auth)
        assert missing.status == 404, unknown
    assert (await api.post(f"/api/callbacks/{task.id}/done")).status == 401
