"""Agent routes while Asterisk cannot be reached: a clear 503, and nothing half-done.

The service's AMI settings point at a loopback port nobody listens on (a real refused
connection, not a mock), so the service runs with telephony offline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from cti.service import CtiService
from cti.settings import AgiSettings, AmiSettings, ApiSettings, DatabaseSettings, Settings
from tests.support.asterisk import free_port
from tests.support.telephony import PASSWORD


@pytest.fixture
async def offline(sqlite_url: str) -> AsyncIterator[CtiService]:
    """The whole service with its AMI connection refused."""
    settings = Settings(
        ami=AmiSettings(port=free_port(), secret=SecretStr("unused"), connect_timeout=0.5),
        api=ApiSettings(port=0),
        # Any free port: 4573 may be another service's on this machine.
        agi=AgiSettings(port=0, secret=SecretStr("unused")),
        database=DatabaseSettings(url=sqlite_url),
    )
    service = CtiService(settings)
    await service.start()
    try:
        await service.crm.users.add(
            {"login": "agent1", "display_name": "Agent One", "role": "agent",
             "interface": "Local/6001@test-phones/n", "queues": [{"queue": "hotline"}]},
            password=PASSWORD,
        )  # fmt: skip
        await service.crm.users.add(
            {"login": "nophone", "display_name": "No Phone", "role": "agent",
             "queues": [{"queue": "hotline"}]},
            password=PASSWORD,
        )  # fmt: skip
        yield service
    finally:
        await service.stop()


async def call(
    service: CtiService, login: str | None, path: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    """POST ``path`` as ``login`` (no token for None); status and JSON body."""
    base = f"http://127.0.0.1:{service.port}"
    async with aiohttp.ClientSession() as http:
        headers = {}
        if login is not None:
            response = await http.post(
                base + "/api/login", json={"username": login, "password": PASSWORD}
            )
            headers["Authorization"] = f"Bearer {(await response.json())['token']}"
        response = await http.post(base + path, json=body, headers=headers)
        payload = await response.json() if response.status != 204 else {}
        return response.status, payload


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/agent/signin", {}),
        ("/api/agent/signout", None),
        ("/api/agent/pause", {"reason": "lunch"}),
        ("/api/agent/unpause", None),
    ],
)
async def test_telephony_actions_answer_503_while_asterisk_is_unreachable(
    offline: CtiService, path: str, body: Any
) -> None:
    status, error = await call(offline, "agent1", path, body)
    assert status == 503
    assert error["error_id"] == "telephony-unavailable"
    assert error["message"]


async def test_a_user_without_a_phone_gets_409_before_anything_is_sent(
    offline: CtiService,
) -> None:
    status, error = await call(offline, "nophone", "/api/agent/signin", {})
    assert (status, error["error_id"]) == (409, "no-phone-interface")


async def test_agent_routes_need_a_token_and_a_valid_body(offline: CtiService) -> None:
    status, error = await call(offline, None, "/api/agent/signin", {})
    assert (status, error["error_id"]) == (401, "missing-token")
    status, error = await call(offline, "agent1", "/api/agent/pause", {"reason": 7})
    assert status == 400
    assert "reason" in error["message"] + str(error["details"])
    status, error = await call(offline, "agent1", "/api/agent/signin", {"queues": "hotline"})
    assert status == 400
