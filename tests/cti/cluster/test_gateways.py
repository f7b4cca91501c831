"""Gateways on the bus, without Asterisk: each subscribes only to what its own consoles
need, delivers each push once, and tells its consoles when the bus goes and comes back."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator

import pytest
from nats import connect
from nats.aio.msg import Msg

from cti.http.pushes import SUPERVISOR_ROLES
from cti.protocol import Notice
from cti.service import CtiService
from cti.settings import NatsSettings
from tests.support.cluster import (
    consoles_seen,
    messages_until_marker,
    node_settings,
    running_node,
)
from tests.support.control import add_user
from tests.support.nats import NatsServer
from tests.support.telephony import agent_console


@contextlib.asynccontextmanager
async def two_gateways(
    database_url: str, nats: NatsServer
) -> AsyncIterator[tuple[CtiService, CtiService]]:
    """Gateways A and B, with agent ``li.na`` and supervisor ``boss`` users."""
    a_settings = node_settings(None, database_url, nats, name="gw-a", roles=("gateway",))
    b_settings = node_settings(None, database_url, nats, name="gw-b", roles=("gateway",))
    async with running_node(a_settings) as a, running_node(b_settings) as b:
        await add_user(a, "li.na", "agent", None)
        await add_user(a, "boss", "supervisor", None)
        yield a, b


@pytest.fixture
def own_nats() -> Iterator[NatsServer]:
    """A nats-server of this test's own (it is restarted)."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_push_reaches_only_the_gateway_of_its_user_once(
    postgres_url: str, nats: NatsServer
) -> None:
    async with two_gateways(postgres_url, nats) as (a, b):
        assert a.cluster is not None and b.cluster is not None
        async with agent_console(a, "li.na") as agent, agent_console(b, "boss") as supervisor:
            await consoles_seen(b, "li.na", 1)
            await consoles_seen(a, "boss", 1)
            b.cluster.pushes.send_to_user("li.na", Notice("info", "for li.na"))
            b.cluster.pushes.broadcast(Notice("info", "for supervisors"), roles=SUPERVISOR_ROLES)
            b.cluster.pushes.send_to_user("li.na", Notice("info", "end"))
            b.cluster.pushes.send_to_user("boss", Notice("info", "end"))

            to_agent = await messages_until_marker(agent, "for li.na")
            assert [m for m in await messages_until_marker(agent, "end")] == []
            to_supervisor = await messages_until_marker(supervisor, "for supervisors")
            assert [m for m in await messages_until_marker(supervisor, "end")] == []
            assert [m["type"] for m in to_agent + to_supervisor] == []
            # Each gateway subscribes to its own users and roles only.
            assert a.cluster.relay is not None and b.cluster.relay is not None
            assert a.cluster.relay.wanted() == {
                "ctidesk.user.~6c692e6e61", "ctidesk.broadcast.role.agent", "ctidesk.broadcast.all"
            }  # fmt: skip
            assert b.cluster.relay.wanted() == {
                "ctidesk.user.boss", "ctidesk.broadcast.role.supervisor", "ctidesk.broadcast.all"
            }  # fmt: skip
            assert (a.cluster.relay.delivered, b.cluster.relay.delivered) == (2, 2)
        await consoles_seen(b, "li.na", 0)


async def test_consoles_are_told_the_bus_went_away_and_came_back(
    postgres_url: str, own_nats: NatsServer
) -> None:
    async with two_gateways(postgres_url, own_nats) as (a, b):
        assert b.cluster is not None
        async with agent_console(a, "li.na") as agent:
            await consoles_seen(b, "li.na", 1)
            own_nats.restart()
            offline = await agent.next_matching("telephony_status", online=False)
            assert offline["detail"] == "the service bus is unreachable"
            await agent.next_matching("telephony_status", online=True)
            await consoles_seen(b, "li.na", 1)  # presence published again after the reconnect
            b.cluster.pushes.send_to_user("li.na", Notice("info", "after the restart"))
            assert await messages_until_marker(agent, "after the restart") == []


async def test_an_edge_that_does_not_answer_in_time_is_a_504_that_says_the_action_may_be_done(
    postgres_url: str, nats: NatsServer
) -> None:
    settings = node_settings(None, postgres_url, nats, name="gw-a", roles=("gateway",))
    settings = settings.model_copy(
        update={"nats": settings.nats.model_copy(update={"request_timeout": 0.5})}
    )
    silent = await connect(nats.url)
    heard: list[dict[str, str]] = []

    async def hear(message: Msg) -> None:  # an edge busy past the gateway's patience
        heard.append(json.loads(message.data))

    await silent.subscribe("ctidesk.edge.pbx8.control", cb=hear)
    await silent.flush()
    try:
        async with running_node(settings) as a:
            await add_user(a, "li.na", "agent", None)
            async with agent_console(a, "li.na") as console:
                response = await console.post("/api/calls/pbx8-1765000000.3/hold")
                body = await response.json()
        assert response.status == 504
        assert body["error_id"] == "edge-timeout"
        assert "may still have been carried out" in body["message"]
        assert [(h["method"], h["path"]) for h in heard] == [
            ("POST", "/api/calls/pbx8-1765000000.3/hold")
        ]
    finally:
        await silent.close()


async def test_a_push_the_publishing_node_dropped_is_noticed_by_its_number_and_repaired(
    postgres_url: str, nats: NatsServer
) -> None:
    a_settings = node_settings(None, postgres_url, nats, name="gw-a", roles=("gateway",))
    b_settings = node_settings(None, postgres_url, nats, name="gw-b", roles=("gateway",))
    room = 100  # the smallest outbox a node may have
    outbox = NatsSettings(url=nats.url, request_timeout=5.0, publish_queue=room)
    b_settings = b_settings.model_copy(update={"nats": outbox})
    async with running_node(a_settings) as a, running_node(b_settings) as b:
        await add_user(a, "li.na", "agent", None)
        assert a.cluster is not None and b.cluster is not None
        relay, views = a.cluster.relay, a.cluster.views
        assert relay is not None and views is not None
        async with agent_console(a, "li.na") as agent:
            await consoles_seen(b, "li.na", 1)
            await b.cluster.bus.flush()  # B's outbox empty
            dropped, gathered = b.cluster.bus.dropped, views.gathered
            for n in range(room + 1):  # no await between: the last finds the outbox full
                b.cluster.pushes.send_to_user("li.na", Notice("info", f"m{n}"))
            assert b.cluster.bus.dropped == dropped + 1
            await b.cluster.bus.flush()
            b.cluster.pushes.send_to_user("li.na", Notice("info", "end"))

            heard = await messages_until_marker(agent, "end")
            assert [m["text"] for m in heard if m["type"] == "notice"] == [
                f"m{n}" for n in range(room)
            ]
            # Before "end": the console is asked to read its state again.
            assert heard[-1] == {"type": "resync", "reason": "lost on ctidesk.user.~6c692e6e61"}
            assert relay.numbers.gaps == 1  # "end" came after m99: m100 never did
            await a.cluster.repaired()
            assert views.gathered > gathered  # the edges' views were gathered again
