"""The call-control, supervisor and recording routes at the HTTP edge, without Asterisk:
the OpenAPI document, roles, body checks and unknown calls (the service is built, not
connected, so nothing reaches a telephone)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.http.routes import OPENAPI_DOCUMENT
from cti.service import CtiService
from cti.settings import RecordingsSettings, Settings
from tests.support.api import add_agent_and_supervisor, error_of, token_of


@pytest.fixture
async def service(crm: Crm, tmp_path: Path) -> CtiService:
    await add_agent_and_supervisor(crm)
    settings = Settings(recordings=RecordingsSettings(directory=str(tmp_path / "spool")))
    return CtiService(settings, crm=crm)


@pytest.fixture
async def api(service: CtiService) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(service.app)) as client:
        yield client


def test_every_new_route_is_in_the_openapi_document(service: CtiService) -> None:
    paths = service.app[OPENAPI_DOCUMENT]["paths"]
    for path in (
        "/api/calls/dial", "/api/calls/{id}/hold", "/api/calls/{id}/retrieve",
        "/api/calls/{id}/transfer", "/api/calls/{id}/transfer/complete",
        "/api/calls/{id}/transfer/cancel", "/api/calls/{id}/conference",
        "/api/calls/{id}/hangup", "/api/calls/{id}/dtmf",
        "/api/supervisor/calls/{id}/spy", "/api/supervisor/calls/{id}/spy/stop",
        "/api/supervisor/calls/{id}/release", "/api/supervisor/calls/{id}/intercept",
        "/api/supervisor/agents/{login}/signout", "/api/supervisor/agents/{login}/pause",
        "/api/supervisor/notice", "/api/supervisor/audit",
        "/api/calls/{id}/recording/start", "/api/recordings", "/api/recordings/{id}",
        "/api/recordings/{id}/audio", "/api/recordings/{id}/legal-hold",
    ):  # fmt: skip
        assert path in paths, path
    spy = paths["/api/supervisor/calls/{id}/spy"]["post"]
    assert spy["x-roles"] == ["admin", "supervisor"]
    assert spy["requestBody"]["content"]["application/json"]["schema"]
    audio = paths["/api/recordings/{id}/audio"]["get"]["responses"]["200"]
    assert "audio/wav" in audio["content"]
    transfer = paths["/api/calls/{id}/transfer"]["post"]["requestBody"]
    assert transfer["content"]["application/json"]["schema"]


async def test_bodies_bound_for_asterisk_refuse_line_breaks_and_name_the_field(
    api: TestClient[Any, Any],
) -> None:
    headers = await token_of(api, "agent7")
    for path, body, field in (
        ("/api/calls/dial", {"number": "6002\r\nAction: Hangup"}, "number"),
        ("/api/calls/1.1/dtmf", {"digits": "1\n2"}, "digits"),
        (
            "/api/calls/1.1/transfer",
            {"target": "agent:x\r\nAction: Hangup", "mode": "blind"},
            "target",
        ),
        ("/api/calls/1.1/transfer", {"target": "6002", "mode": "sideways"}, "mode"),
        ("/api/calls/1.1/transfer", {"target": "6002", "note": "a\r\nb"}, "note"),
        ("/api/calls/1.1/conference", {"target": "6002", "extra": 1}, "extra"),
    ):
        response = await api.post(path, json=body, headers=headers)
        error = await error_of(response, 400)
        assert field in error["message"], (path, error)


async def test_unknown_calls_are_404_and_supervisor_routes_403_for_agents(
    api: TestClient[Any, Any],
) -> None:
    agent = await token_of(api, "agent7")
    boss = await token_of(api, "boss")
    for action in ("hold", "retrieve", "hangup", "transfer/complete", "recording/start"):
        response = await api.post(f"/api/calls/no-such-call/{action}", headers=agent)
        assert (await error_of(response, 404))["error_id"] == "call-not-found"
    for path, body in (
        ("/api/supervisor/calls/1.1/spy", {"mode": "listen"}),
        ("/api/supervisor/notice", {"text": "hi"}),
        ("/api/supervisor/agents/agent7/pause", {"reason": "x"}),
    ):
        await error_of(await api.post(path, json=body, headers=agent), 403)
    await error_of(await api.get("/api/supervisor/audit", headers=agent), 403)
    response = await api.post("/api/supervisor/calls/1.1/spy", json={"mode": "peek"}, headers=boss)
    await error_of(response, 400)
    response = await api.post(
        "/api/supervisor/calls/1.1/spy", json={"mode": "listen"}, headers=boss
    )
    assert (await error_of(response, 409))["error_id"] == "no-phone-interface"
    response = await api.post(
        "/api/supervisor/notice", json={"text": "发布会 3 点开始"}, headers=boss
    )
    assert response.status == 200 and (await response.json())["delivered"] == 0
    audit = await (await api.get("/api/supervisor/audit", headers=boss)).json()
    assert [(e["action"], e["outcome"]) for e in audit["entries"]] == [
        ("notice", "done"), ("spy-listen", "refused"),
    ]  # fmt: skip
