"""The points API over a real CRM: an agent, a second agent, a supervisor and a member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.service import make_app
from tests.support.api import PASSWORD, token_of

SEED_POINTS = 500


@dataclass(frozen=True)
class PointsDesk:
    """A client of the API, the Authorization headers of its users and the seeded member."""

    api: TestClient[Any, Any]
    agent: dict[str, str]
    other_agent: dict[str, str]
    supervisor: dict[str, str]
    member: str

    def path(self, action: str, member: str | None = None) -> str:
        """``/api/members/{member}/points/{action}`` (the seeded member by default)."""
        return f"/api/members/{member or self.member}/points/{action}"

    async def post(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
        """POST ``body``; the response."""
        return await self.api.post(path, headers=headers, json=body)

    async def ok(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
        """POST ``body``; the JSON of a 200 answer."""
        response = await self.post(path, headers, body)
        assert response.status == 200, await response.text()
        return await response.json()


@asynccontextmanager
async def points_desk(crm: Crm) -> AsyncIterator[PointsDesk]:
    """agent7, agent8, boss (supervisor) logged in; 李娜 with 500 points from the system."""
    for login, role in (("agent7", "agent"), ("agent8", "agent"), ("boss", "supervisor")):
        await crm.users.add(
            {"login": login, "display_name": login.title(), "role": role}, password=PASSWORD
        )
    member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    await crm.points.gift(
        member.number, SEED_POINTS, reason="seed", operator="t", idempotency_key="seed-0001"
    )
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield PointsDesk(
            api=client,
            agent=await token_of(client, "agent7"),
            other_agent=await token_of(client, "agent8"),
            supervisor=await token_of(client, "boss"),
            member=member.number,
        )
