"""The bus restarted and a console that stops reading, with real nodes (issue 18,
scenarios 4 and 6): nodes reconnect, consoles are told and resync, no call record is
written twice; a console that falls behind on a gateway is closed with 1013 and the
other consoles of that gateway get every message."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from sqlalchemy import func, select

from crm_core.calls.models import CallRecord
from cti.protocol import CLOSE_TOO_SLOW, Notice
from cti.service import CtiService
from cti.settings import NodeRole
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.cluster import consoles_seen, node_settings, running_node
from tests.support.control import add_user
from tests.support.nats import NatsServer
from tests.support.telephony import (
    MEMBER_PHONE,
    RINGING_PHONE,
    Console,
    agent_console,
    hang_up_everything,
    originate,
    seed_member,
)


@pytest.fixture
def own_nats() -> Iterator[NatsServer]:
    """A nats-server of this test's own (it is restarted)."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def gateway_and_edge(
    asterisk: AsteriskServer | None, database_url: str, nats: NatsServer
) -> AsyncIterator[tuple[CtiService, CtiService]]:
    """Node A (gateway) and node B (gateway, and the edge of ``asterisk`` if given)."""
    roles: tuple[NodeRole, ...] = ("edge", "gateway") if asterisk is not None else ("gateway",)
    a = node_settings(None, database_url, nats, name="node-a", roles=("gateway",))
    b = node_settings(asterisk, database_url, nats, name="node-b", roles=roles)
    async with running_node(b) as node_b, running_node(a) as node_a:
        yield node_a, node_b


async def records_of(node: CtiService) -> dict[str, int]:
    """How many call records each linked id has."""
    async with node.crm.db.read() as session:
        rows = await session.execute(
            select(CallRecord.linked_id, func.count()).group_by(CallRecord.linked_id)
        )
        return {linked_id: count for linked_id, count in rows}


async def popped_call(console: Console, ami: AmiClient) -> str:
    """A member's call: its pop on the console; the call id once the agent answered."""
    await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
    pop = await console.next_matching("screen_pop", queue="hotline")
    await ami.wait_for_event("AgentConnect", 20, Linkedid=pop["call_id"])
    return str(pop["call_id"])


async def test_a_restarted_bus_loses_no_console_and_duplicates_no_call_record(
    named_asterisk: AsteriskServer, postgres_url: str, own_nats: NatsServer, ami: AmiClient
) -> None:
    async with gateway_and_edge(named_asterisk, postgres_url, own_nats) as (a, b):
        await add_user(b, "agent1", "agent", RINGING_PHONE, ("hotline",))
        await seed_member(b)
        async with agent_console(a, "agent1") as console:
            try:
                await consoles_seen(b, "agent1", 1)
                response = await console.http.post(
                    f"http://127.0.0.1:{b.port}/api/agent/signin", json={},
                    headers={"Authorization": f"Bearer {console.token}"},
                )  # fmt: skip
                assert response.status == 200, await response.text()
                during = await popped_call(console, ami)

                own_nats.restart()  # during the call
                await console.next_matching("telephony_status", online=False)
                await console.next_matching("telephony_status", online=True)
                await consoles_seen(b, "agent1", 1)
                # The console resyncs over REST; control reaches B's Asterisk again.
                hold = await console.post(f"/api/calls/{during}/hold")
                assert hold.status == 200, await hold.text()
                await hang_up_everything(ami)
                await b.call_log.wait_for(during, within=15)

                after = await popped_call(console, ami)  # pops flow again
                await hang_up_everything(ami)
                await b.call_log.wait_for(after, within=15)
            finally:
                await hang_up_everything(ami)
        assert await records_of(b) == {during: 1, after: 1}
        assert b.call_log.parked == 0 and not b.call_log.pending


async def read_until_closed(socket: aiohttp.ClientWebSocketResponse) -> list[str]:
    """Every text the socket still has, up to its close."""
    texts = []
    while (message := await socket.receive(timeout=30)).type is aiohttp.WSMsgType.TEXT:
        texts.append(message.data)
    return texts


async def test_a_console_that_stops_reading_is_closed_and_the_others_get_everything(
    postgres_url: str, nats: NatsServer
) -> None:
    async with gateway_and_edge(None, postgres_url, nats) as (a, b):
        await add_user(a, "slow", "agent", None)
        await add_user(a, "quick", "agent", None)
        assert b.cluster is not None
        async with agent_console(a, "slow") as slow, agent_console(a, "quick") as quick:
            await consoles_seen(b, "slow", 1)
            await consoles_seen(b, "quick", 1)
            padding = "x" * 4000
            count = 3000  # 12 MB each: more than the sockets and the hub's queue hold
            received: list[str] = []

            async def read_quick() -> None:
                while len(received) < count:
                    message = await quick.socket.receive_json(timeout=30)
                    if message["type"] == "notice":
                        received.append(message["text"])

            reader = asyncio.create_task(read_quick())
            for index in range(count):
                b.cluster.pushes.send_to_user("slow", Notice("info", f"{index} {padding}"))
                b.cluster.pushes.send_to_user("quick", Notice("info", f"{index} {padding}"))
                if index % 100 == 0:
                    await b.cluster.bus.flush()  # keep the publisher's queue within bounds
            await reader
            assert received == [f"{index} {padding}" for index in range(count)]
            await read_until_closed(slow.socket)
            assert slow.socket.close_code == CLOSE_TOO_SLOW
            await consoles_seen(b, "slow", 0)
            assert a.cluster is not None and a.cluster.presence.connections_of("quick") == 1
