"""The whole service with telephony offline: its AMI settings point at a loopback port
nobody listens on (a real refused connection, not a mock); the CRM is its own, on SQLite."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from pydantic import SecretStr

from cti.service import CtiService
from cti.settings import (
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DatabaseSettings,
    Settings,
    StatsSettings,
)
from tests.support.asterisk import free_port
from tests.support.telephony import PASSWORD


@contextlib.asynccontextmanager
async def offline_service(
    database_url: str, stats: StatsSettings | None = None
) -> AsyncIterator[CtiService]:
    """The service over ``database_url`` with Asterisk unreachable (and ``stats``, if
    given); stopped at the end."""
    settings = Settings(
        ami=AmiSettings(port=free_port(), secret=SecretStr("unused"), connect_timeout=0.5),
        api=ApiSettings(port=0),
        agi=AgiSettings(port=0, secret=SecretStr("unused")),
        database=DatabaseSettings(url=database_url),
        stats=stats or StatsSettings(),
    )
    service = CtiService(settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def post_as(
    service: CtiService,
    login: str,
    path: str,
    body: Any = None,
    *,
    data: bytes | None = None,
) -> tuple[int, Any]:
    """POST ``path`` as ``login`` (JSON ``body``, or raw ``data``); the status and JSON."""
    base = f"http://127.0.0.1:{service.port}"
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            base + "/api/login", json={"username": login, "password": PASSWORD}
        )
        token = (await response.json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        if data is not None:
            response = await http.post(base + path, data=data, headers=headers)
        else:
            response = await http.post(base + path, json=body, headers=headers)
        return response.status, await response.json()


async def get_as(service: CtiService, login: str, path: str) -> tuple[int, Any]:
    """GET ``path`` (with its query string) as ``login``; the status and JSON."""
    base = f"http://127.0.0.1:{service.port}"
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            base + "/api/login", json={"username": login, "password": PASSWORD}
        )
        token = (await response.json())["token"]
        response = await http.get(base + path, headers={"Authorization": f"Bearer {token}"})
        return response.status, await response.json()


__all__ = ["get_as", "offline_service", "post_as"]
