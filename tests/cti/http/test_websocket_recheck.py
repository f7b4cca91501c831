"""The console's token is re-checked on a schedule that survives database errors, closes
the console of a disabled user within one interval, and follows the user's role."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.orm import Session

from crm_core.wiring import Crm
from cti.http.app import hub_of
from cti.protocol import CLOSE_UNAUTHORIZED, Notice, SessionReady, from_json
from cti.service import make_app
from tests.support.api import PASSWORD
from tests.support.fake_ami import eventually


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """The API with one agent; tokens re-checked every 50 ms."""
    await crm.users.add(
        {"login": "agent7", "display_name": "A7", "role": "agent"}, password=PASSWORD
    )
    async with TestClient(TestServer(make_app(crm=crm, ws_recheck=0.05))) as client:
        yield client


async def console(api: TestClient[Any, Any]) -> Any:
    """agent7's console, authenticated."""
    response = await api.post("/api/login", json={"username": "agent7", "password": PASSWORD})
    socket = await api.ws_connect("/api/ws")
    await socket.send_json({"type": "authenticate", "token": (await response.json())["token"]})
    assert from_json(await socket.receive_str(timeout=5)) == SessionReady("agent7", "agent")
    return socket


def rename(old: str, new: str) -> Any:
    def work(session: Session) -> None:
        session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))

    return work


async def test_a_failed_recheck_is_retried_and_a_disabled_user_is_still_closed_out(
    api: TestClient[Any, Any], crm: Crm, caplog: pytest.LogCaptureFixture
) -> None:
    socket = await console(api)
    with caplog.at_level(logging.WARNING, logger="cti.http.hub"):
        await crm.db.run_write(rename("api_tokens", "api_tokens_away"))  # every check fails
        await eventually(
            lambda: sum("could not re-check" in r.message for r in caplog.records) >= 2
        )
        await crm.db.run_write(rename("api_tokens_away", "api_tokens"))
    assert hub_of(api.app).connections_of("agent7") == 1  # a database error closes nothing
    await crm.users.disable("agent7")
    closing = await socket.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED
    assert hub_of(api.app).connections_of("agent7") == 0


async def test_a_console_follows_its_user_s_new_role(api: TestClient[Any, Any], crm: Crm) -> None:
    socket = await console(api)
    await crm.users.update("agent7", {"role": "supervisor"})
    notice = Notice("info", "supervisors only")
    await eventually(lambda: hub_of(api.app).broadcast(notice, roles={"supervisor"}) == 1)
    assert from_json(await socket.receive_str(timeout=5)) == notice
    await crm.users.update("agent7", {"role": "agent"})
    await eventually(lambda: hub_of(api.app).broadcast(notice, roles={"supervisor"}) == 0)
    await socket.close()
