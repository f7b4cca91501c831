"""Builders for the API tests: an agent and a supervisor, their tokens, the error shape."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from crm_core.wiring import Crm

PASSWORD = "correct horse battery"


async def add_agent_and_supervisor(crm: Crm) -> None:
    """agent7 (phone PJSIP/6007, queue sales) and boss (a supervisor without a phone)."""
    await crm.users.add(
        {"login": "agent7", "display_name": "Agent 7", "role": "agent",
         "interface": "PJSIP/6007", "queues": [{"queue": "sales"}]},
        password=PASSWORD,
    )  # fmt: skip
    await crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )


async def token_of(api: TestClient[Any, Any], login: str) -> dict[str, str]:
    """The Authorization header of a fresh login."""
    response = await api.post("/api/login", json={"username": login, "password": PASSWORD})
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    body: dict[str, Any] = await response.json()
    assert set(body) == {"error_id", "message", "details"}
    return body
