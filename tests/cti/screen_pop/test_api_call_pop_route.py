"""``GET /api/calls/{id}/pop`` at the HTTP edge, without Asterisk: the OpenAPI entry, the
token, and the ownership statuses over calls fed to the service's model as AMI frames."""

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
from tests.support.frames import frame

CHANNEL = {"Channel": "Local/s@test-caller-00000000;1", "Uniqueid": "c.1", "Linkedid": "c.1"}


@pytest.fixture
async def service(crm: Crm, tmp_path: Path) -> CtiService:
    await add_agent_and_supervisor(crm)
    settings = Settings(recordings=RecordingsSettings(directory=str(tmp_path / "spool")))
    return CtiService(settings, crm=crm)


@pytest.fixture
async def api(service: CtiService) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(service.app)) as client:
        yield client


def queue_a_call(service: CtiService) -> None:
    """A caller from 13900000009 waits in ``sales``; no agent is on the call."""
    join = {"Event": "QueueCallerJoin", **CHANNEL, "CallerIDNum": "13900000009",
            "Queue": "sales", "Context": "from-trunk", "Exten": "95511"}  # fmt: skip
    service.model.apply(frame(join), service.bridge.clock())


def test_the_pop_route_is_in_the_openapi_document_with_its_result(service: CtiService) -> None:
    document = service.app[OPENAPI_DOCUMENT]
    operation = document["paths"]["/api/calls/{id}/pop"]["get"]
    assert operation["x-roles"] == ["admin", "agent", "supervisor"]
    assert set(operation["responses"]) >= {"200", "401", "403", "404", "409"}
    schema = document["components"]["schemas"]["ScreenPop"]
    assert {"call_id", "caller", "member", "verified_in_ivr"} <= set(schema["properties"])


async def test_the_pop_of_a_call_needs_a_token_and_an_unknown_call_is_404(
    api: TestClient[Any, Any],
) -> None:
    await error_of(await api.get("/api/calls/c.1/pop"), 401)
    for login in ("agent7", "boss"):
        response = await api.get("/api/calls/no-such-call/pop", headers=await token_of(api, login))
        assert (await error_of(response, 404))["error_id"] == "call-not-found"


async def test_an_agent_not_on_the_call_is_403_a_supervisor_reads_it_and_ended_is_409(
    api: TestClient[Any, Any], service: CtiService
) -> None:
    agent = await token_of(api, "agent7")
    boss = await token_of(api, "boss")
    queue_a_call(service)
    response = await api.get("/api/calls/c.1/pop", headers=agent)
    assert (await error_of(response, 403))["error_id"] == "not-on-call"
    response = await api.get("/api/calls/c.1/pop", headers=boss)
    assert response.status == 200
    pop = await response.json()
    assert (pop["call_id"], pop["caller"], pop["queue"]) == ("c.1", "13900000009", "sales")
    assert pop["member"] is None and pop["direction"] == "inbound"
    service.model.apply(frame({"Event": "Hangup", **CHANNEL}), service.bridge.clock())
    response = await api.get("/api/calls/c.1/pop", headers=boss)
    assert (await error_of(response, 409))["error_id"] == "call-ended"
