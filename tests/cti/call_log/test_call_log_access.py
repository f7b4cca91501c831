"""Who reads which calls in the call log: an agent their own calls and their queues'
calls, supervisors and admins every call; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.service import make_app
from tests.conftest import START
from tests.support.api import PASSWORD, add_agent_and_supervisor, token_of

CALLS = {  # linked id: (queue, agent)
    "1772442000.1": ("sales", "agent8"),  # agent7's queue, another agent
    "1772442000.2": ("support", "agent7"),  # agent7's own call in another queue
    "1772442000.3": ("support", "agent8"),  # neither agent7's call nor queue
    "1772442000.4": (None, "agent8"),  # another agent's direct call
    "1772442000.5": (None, None),  # nobody's
}


@pytest.fixture
async def api(any_crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """The API over a call log of five calls: agent7 (queue sales), agent8, a supervisor."""
    await add_agent_and_supervisor(any_crm)
    await any_crm.users.add(
        {"login": "agent8", "display_name": "Agent 8", "role": "agent",
         "queues": [{"queue": "support"}]},
        password=PASSWORD,
    )  # fmt: skip
    for offset, (linked_id, (queue, agent)) in enumerate(CALLS.items()):
        started = START + timedelta(minutes=offset)
        await any_crm.calls.record(
            {"linked_id": linked_id, "direction": "inbound", "caller": "013812345678",
             "called": "4008001234", "queue": queue, "agent_login": agent,
             "started_at": started, "ended_at": started + timedelta(seconds=30)}
        )  # fmt: skip
    async with TestClient(TestServer(make_app(crm=any_crm))) as client:
        yield client


async def call_ids(api: TestClient[Any, Any], login: str, query: str = "") -> set[str]:
    response = await api.get(f"/api/call-records{query}", headers=await token_of(api, login))
    assert response.status == 200, await response.text()
    return {call["linked_id"] for call in (await response.json())["calls"]}


async def test_an_agent_reads_their_own_calls_and_their_queues_calls(
    api: TestClient[Any, Any],
) -> None:
    assert await call_ids(api, "agent7") == {"1772442000.1", "1772442000.2"}
    every_but_nobodys = {"1772442000.1", "1772442000.2", "1772442000.3", "1772442000.4"}
    assert await call_ids(api, "agent8") == every_but_nobodys  # own calls, all of support


async def test_an_agent_filtering_by_another_agent_sees_only_that_agent_s_calls_in_their_queues(
    api: TestClient[Any, Any],
) -> None:
    assert await call_ids(api, "agent7", "?agent=agent8") == {"1772442000.1"}
    assert await call_ids(api, "agent7", "?queue=support") == {"1772442000.2"}


async def test_a_supervisor_reads_every_call(api: TestClient[Any, Any]) -> None:
    assert await call_ids(api, "boss") == set(CALLS)
