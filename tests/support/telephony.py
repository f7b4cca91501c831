"""Helpers for tests that run the whole service against the sandbox Asterisk.

`running_service` starts `CtiService` in-process (AMI client to the sandbox, API on a free
loopback port); `agent_console` logs a user in over HTTP and opens the WebSocket;
`originate` places a caller on a DID; `hang_up_everything` leaves no call behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import SecretStr

from cti.protocol import WEBSOCKET_PATH
from cti.sandbox.layout import RECORDINGS_IN_TREE
from cti.service import CtiService
from cti.settings import (
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DatabaseSettings,
    PhoneSettings,
    RecordingsSettings,
    Settings,
    TelephonySettings,
)
from tests.support.asterisk import AmiClient, AsteriskServer

PASSWORD = "correct horse battery"
AGENT_PHONE = "Local/6001@test-phones/n"
# Phone 6001 answers 0.5 ms after Asterisk's AgentCalled: no pop can travel AMI → service →
# WebSocket in that time. Phone 7001 rings 2 s like a real one, so "before the answer"
# is tested on it.
RINGING_PHONE = "Local/7001@test-phones/n"
HOTLINE_DID = "4008001234"
MEMBER_PHONE = "13812345678"
MEDIA = "Spring brochure"
DIAL_CALLER_ID = '"Hotline" <4008001234>'
POINTS = 1200


def settings_for(
    asterisk: AsteriskServer, database_url: str, *, telephony: TelephonySettings | None = None
) -> Settings:
    """Service settings pointing at the sandbox and a test database."""
    return Settings(
        ami=AmiSettings(
            host=asterisk.ami_host,
            port=asterisk.ami_port,
            username=asterisk.ami_username,
            secret=SecretStr(asterisk.ami_secret),
            ping_interval=5.0,
        ),
        api=ApiSettings(port=0),
        # Any free port (the service reports the real one); the secret of this run.
        agi=AgiSettings(port=0, secret=SecretStr(asterisk.agi_secret)),
        database=DatabaseSettings(url=database_url),
        phone=PhoneSettings(inbound_media={HOTLINE_DID: MEDIA}, dial_caller_id=DIAL_CALLER_ID),
        recordings=RecordingsSettings(
            directory=str(asterisk.sandbox.layout.recordings_dir),
            asterisk_directory=RECORDINGS_IN_TREE,
            queues={"vip": "all", "pc-digital": "none"},
        ),
        telephony=telephony or TelephonySettings(),
    )


@dataclass
class Console:
    """An agent's HTTP session and open WebSocket on the running service."""

    http: aiohttp.ClientSession
    socket: aiohttp.ClientWebSocketResponse
    base: str
    token: str

    async def post(self, path: str, body: dict[str, Any] | None = None) -> aiohttp.ClientResponse:
        """POST with the agent's token; the response (body already read)."""
        response = await self.http.post(
            self.base + path, json=body, headers={"Authorization": f"Bearer {self.token}"}
        )
        await response.read()
        return response

    async def get(self, path: str) -> Any:
        """GET with the agent's token; the JSON body (the status must be 200)."""
        response = await self.http.get(
            self.base + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def next_matching(self, kind: str, within: float = 15.0, **fields: Any) -> dict[str, Any]:
        """The next message of type ``kind`` whose ``fields`` have the given values."""
        async with asyncio.timeout(within):
            while True:
                message, _ = await self.next_of(kind, within)
                if all(message.get(key) == value for key, value in fields.items()):
                    return message

    async def next_of(self, kind: str, within: float = 15.0) -> tuple[dict[str, Any], float]:
        """The next message of type ``kind`` and the wall-clock time it arrived."""
        async with asyncio.timeout(within):
            while True:
                message = await self.socket.receive_json()
                if message["type"] == kind:
                    return message, time.time()


@contextlib.asynccontextmanager
async def running_service(
    asterisk: AsteriskServer, database_url: str, *, telephony: TelephonySettings | None = None
) -> AsyncIterator[CtiService]:
    """The whole service, online to the sandbox; stopped at the end."""
    service = CtiService(settings_for(asterisk, database_url, telephony=telephony))
    try:
        await service.start(online_within=15)
        yield service
    finally:
        await service.stop()


@contextlib.asynccontextmanager
async def agent_console(service: CtiService, login: str) -> AsyncIterator[Console]:
    """Log ``login`` in over HTTP and open an authenticated WebSocket."""
    base = f"http://127.0.0.1:{service.port}"
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            base + "/api/login", json={"username": login, "password": PASSWORD}
        )
        assert response.status == 200, await response.text()
        token = (await response.json())["token"]
        async with http.ws_connect(base + WEBSOCKET_PATH) as ws:
            await ws.send_json({"type": "authenticate", "token": token})
            console = Console(http, ws, base, token)
            ready, _ = await console.next_of("session_ready", within=5)
            assert ready["login"] == login
            yield console


async def add_agent(
    service: CtiService, login: str = "agent1", interface: str = AGENT_PHONE
) -> None:
    """An agent of queue hotline on the auto-answer phone 6001 (or ``interface``)."""
    await service.crm.users.add(
        {"login": login, "display_name": "Agent One", "role": "agent",
         "interface": interface, "queues": [{"queue": "hotline"}]},
        password=PASSWORD,
    )  # fmt: skip


async def seed_member(service: CtiService) -> str:
    """李娜 with phone 13812345678 and 1,200 valid points; her member number."""
    await service.crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )
    member = await service.crm.members.create(
        {"name": "李娜", "phones": [MEMBER_PHONE]}, actor="tester"
    )
    await service.crm.points.gift(
        member.number, POINTS, reason="welcome", operator="boss", idempotency_key="seed"
    )
    return member.number


async def originate(ami: AmiClient, caller: str, exten: str = "s") -> None:
    """A caller on the hotline DID from ``caller`` (``"Name" <number>``)."""
    response = await ami.action(
        "Originate", Channel=f"Local/{exten}@test-caller", Context="from-trunk",
        Exten=HOTLINE_DID, Priority="1", CallerID=caller, Async="true",
    )  # fmt: skip
    assert response["Response"] == "Success", response


async def hang_up_everything(ami: AmiClient) -> None:
    """Hang up every channel so no call leaks into the next test, and wait for Asterisk to
    report each one gone (a channel still being torn down shows in `core show channels`)."""
    channels = await ami.list_action("CoreShowChannels")
    for channel in channels:
        await ami.action("Hangup", Channel=channel["Channel"])
    for channel in channels:
        with contextlib.suppress(TimeoutError):  # already gone before this connection saw it
            await ami.wait_for_event("Hangup", 5, Uniqueid=channel["Uniqueid"])


async def signed_in_members(ami: AmiClient, queue: str) -> set[str]:
    """Interfaces Asterisk reports as members of ``queue``."""
    entries = await ami.list_action("QueueStatus", Queue=queue)
    return {entry.get("Location", "") for entry in entries if entry.get("Event") == "QueueMember"}
