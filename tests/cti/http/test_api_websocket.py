"""The console WebSocket: token in the first message, pushes to the right user only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.http.app import hub_of
from cti.http.hub import WebSocketHub
from cti.protocol import (
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
    Notice,
    ScreenPop,
    SessionReady,
    TelephonyStatus,
    from_json,
)
from cti.service import make_app
from tests.conftest import Clock

PASSWORD = "correct horse battery"
POP = ScreenPop("1700000000.1", "13812345678", "4008001234", "radio", "sales", None)


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the API with two agents and a supervisor; small send queues."""
    for login, role in (("agent7", "agent"), ("agent8", "agent"), ("boss", "supervisor")):
        await crm.users.add(
            {"login": login, "display_name": login, "role": role}, password=PASSWORD
        )
    app = make_app(crm=crm, ws_queue_size=4, ws_auth_timeout=0.5, ws_recheck=0.05)
    async with TestClient(TestServer(app)) as client:
        yield client


async def token_of(api: TestClient[Any, Any], login: str) -> str:
    response = await api.post("/api/login", json={"username": login, "password": PASSWORD})
    token: str = (await response.json())["token"]
    return token


async def console(api: TestClient[Any, Any], login: str) -> Any:
    """An authenticated console WebSocket, its session_ready already read."""
    token = await token_of(api, login)
    socket = await api.ws_connect("/api/ws")
    await socket.send_json({"type": "authenticate", "token": token})
    ready = from_json(await socket.receive_str(timeout=5))
    assert ready == SessionReady(login, "supervisor" if login == "boss" else "agent")
    return socket


async def until(condition: Any) -> None:
    """Poll ``condition()`` until it is true, for up to five seconds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition still false after 5 s")


def hub(api: TestClient[Any, Any]) -> WebSocketHub:
    return hub_of(api.app)


async def test_a_pop_reaches_every_console_of_that_user_and_nobody_else(
    api: TestClient[Any, Any],
) -> None:
    first, second, other = (
        await console(api, "agent7"), await console(api, "agent7"), await console(api, "agent8")
    )  # fmt: skip
    assert hub(api).send_to_user("agent7", POP) == 2
    assert from_json(await first.receive_str(timeout=5)) == POP
    assert from_json(await second.receive_str(timeout=5)) == POP
    assert hub(api).send_to_user("agent8", Notice("info", "只给你")) == 1
    assert from_json(await other.receive_str(timeout=5)) == Notice("info", "只给你")
    assert hub(api).send_to_user("nobody", POP) == 0
    for socket in (first, second, other):
        await socket.close()
    await until(lambda: hub(api).connections_of("agent7") == 0)


async def test_broadcast_by_role(api: TestClient[Any, Any]) -> None:
    agent, boss = await console(api, "agent7"), await console(api, "boss")
    assert hub(api).broadcast(Notice("warning", "queue full"), roles={"supervisor"}) == 1
    assert hub(api).broadcast(TelephonyStatus(online=False, detail="AMI lost")) == 2
    assert from_json(await boss.receive_str(timeout=5)) == Notice("warning", "queue full")
    assert from_json(await boss.receive_str(timeout=5)) == TelephonyStatus(False, "AMI lost")
    assert from_json(await agent.receive_str(timeout=5)) == TelephonyStatus(False, "AMI lost")
    await agent.close()
    await boss.close()


@pytest.mark.parametrize(
    "first_message",
    [
        {"type": "authenticate", "token": "x" * 43},
        {"type": "notice", "level": "info", "text": "hi"},
        {"token": "abc"},
        "not json",
    ],
)
async def test_a_console_without_a_valid_token_is_closed(
    api: TestClient[Any, Any], first_message: Any
) -> None:
    socket = await api.ws_connect("/api/ws")
    if isinstance(first_message, str):
        await socket.send_str(first_message)
    else:
        await socket.send_json(first_message)
    closing = await socket.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED
    assert hub(api).connections_of("agent7") == 0


async def test_a_console_that_never_authenticates_is_closed(api: TestClient[Any, Any]) -> None:
    socket = await api.ws_connect("/api/ws")
    assert (await socket.receive(timeout=5)).type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED


async def test_a_console_that_falls_behind_is_dropped_and_others_still_get_theirs(
    api: TestClient[Any, Any],
) -> None:
    slow, other = await console(api, "agent7"), await console(api, "agent8")
    burst = [Notice("info", f"message {index}") for index in range(10)]
    delivered = [hub(api).send_to_user("agent7", message) for message in burst]
    assert delivered[:4] == [1, 1, 1, 1]
    assert delivered[4:] == [0] * 6
    assert hub(api).connections_of("agent7") == 0
    received = []
    while (message := await slow.receive(timeout=5)).type is WSMsgType.TEXT:
        received.append(from_json(message.data))
    assert received == burst[: len(received)]
    assert slow.close_code == CLOSE_TOO_SLOW
    assert hub(api).send_to_user("agent8", POP) == 1
    assert from_json(await other.receive_str(timeout=5)) == POP
    await other.close()


async def test_logging_out_closes_the_consoles_of_that_token(api: TestClient[Any, Any]) -> None:
    token = await token_of(api, "agent7")
    socket = await api.ws_connect("/api/ws")
    await socket.send_json({"type": "authenticate", "token": token})
    assert from_json(await socket.receive_str(timeout=5)) == SessionReady("agent7", "agent")
    other = await console(api, "agent8")
    response = await api.post("/api/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 204
    closing = await socket.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED
    assert "revoked" in str(closing.extra)
    assert hub(api).connections_of("agent7") == 0
    assert hub(api).connections_of("agent8") == 1
    await other.close()


async def test_a_console_is_closed_when_its_token_expires(
    api: TestClient[Any, Any], clock: Clock
) -> None:
    socket = await console(api, "agent7")
    hub(api).send_to_user("agent7", Notice("info", "still here"))
    assert from_json(await socket.receive_str(timeout=5)) == Notice("info", "still here")
    clock.advance(hours=13)
    closing = await socket.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED
    assert "expired" in str(closing.extra)
