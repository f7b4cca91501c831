"""Two nodes, one bus, one PostgreSQL: node A is a gateway (consoles, no Asterisk), node B
the edge of the sandbox Asterisk (systemname ``pbx2``) and a gateway too. A console on A
sees B's calls, and its call control reaches B's Asterisk (issue 18, scenarios 1 and 2)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from crm_core.leases.exceptions import StaleEpochError
from crm_core.leases.models import NodeLease
from cti.ami import Action, AmiNotConnectedError
from cti.cluster.lease import LeaseLostError
from cti.protocol import Notice
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.asterisk_names import NAMED_SYSTEM as SYSTEM
from tests.support.cluster import (
    consoles_seen,
    messages_until_marker,
    node_settings,
    running_node,
)
from tests.support.control import add_user, events
from tests.support.nats import NatsServer
from tests.support.telephony import (
    MEMBER_PHONE,
    RINGING_PHONE,
    agent_console,
    hang_up_everything,
    originate,
    seed_member,
)


@contextlib.asynccontextmanager
async def two_nodes(
    asterisk: AsteriskServer, database_url: str, nats: NatsServer
) -> AsyncIterator[tuple[CtiService, CtiService]]:
    """Node A (gateway) and node B (edge of ``pbx2`` and gateway), both running."""
    gateway = node_settings(asterisk, database_url, nats, name="node-a", roles=("gateway",))
    edge = node_settings(asterisk, database_url, nats, name="node-b", roles=("edge", "gateway"))
    async with running_node(edge) as b, running_node(gateway) as a:
        yield a, b


async def test_a_console_on_one_node_pops_once_for_a_call_on_another_nodes_asterisk(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer, ami: AmiClient
) -> None:
    async with two_nodes(named_asterisk, postgres_url, nats) as (a, b):
        await add_user(b, "agent1", "agent", RINGING_PHONE, ("hotline",))
        member_number = await seed_member(b)
        async with agent_console(a, "agent1") as console:
            try:
                assert b.cluster is not None and a.cluster is not None
                await consoles_seen(b, "agent1", 1)
                signin = await console.http.post(
                    f"http://127.0.0.1:{b.port}/api/agent/signin", json={},
                    headers={"Authorization": f"Bearer {console.token}"},
                )  # fmt: skip
                assert signin.status == 200, await signin.text()

                await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
                pop, _ = await console.next_of("screen_pop")
                assert pop["call_id"].startswith(f"{SYSTEM}-")
                assert pop["queue"] == "hotline"
                assert pop["member"]["number"] == member_number
                # Everything B pushes to agent1 after the pop arrives after it, in order:
                # no second pop of this call may come before the marker.
                b.cluster.pushes.send_to_user("agent1", Notice("info", "marker"))
                later = await messages_until_marker(console, "marker")
                assert [m for m in later if m["type"] == "screen_pop"] == []
                assert a.model.call(pop["call_id"], 0) is None  # A has no Asterisk
            finally:
                await hang_up_everything(ami)


async def test_call_control_from_one_node_reaches_the_owning_asterisk_once(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer, ami: AmiClient
) -> None:
    async with two_nodes(named_asterisk, postgres_url, nats) as (a, b):
        await add_user(b, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
        async with agent_console(a, "agent1") as console:
            try:
                assert b.cluster is not None
                signin = await console.http.post(
                    f"http://127.0.0.1:{b.port}/api/agent/signin", json={},
                    headers={"Authorization": f"Bearer {console.token}"},
                )  # fmt: skip
                assert signin.status == 200, await signin.text()
                await originate(ami, '"Caller" <13900000002>')
                connect = await ami.wait_for_event("AgentConnect")
                call_id = connect["Linkedid"]
                caller = connect["Channel"]

                response = await console.post(f"/api/calls/{call_id}/hold")
                assert response.status == 200, await response.text()
                await ami.wait_for_event("MusicOnHoldStart", Channel=caller)
                assert len(events(ami, "MusicOnHoldStart", Channel=caller)) == 1
                assert b.cluster.responder is not None and b.cluster.responder.answered == 1

                again = await console.post(f"/api/calls/{call_id}/hold")
                assert again.status == 409  # B's own check, answered through A
                assert (await again.json())["error_id"] == "call-state"
            finally:
                await hang_up_everything(ami)


async def test_control_of_a_call_whose_asterisk_has_no_edge_is_503(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer
) -> None:
    async with two_nodes(named_asterisk, postgres_url, nats) as (a, b):
        await add_user(b, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
        async with agent_console(a, "agent1") as console:
            response = await console.post("/api/calls/pbx9-1765000000.1/hold")
            assert response.status == 503
            body = await response.json()
            assert body["error_id"] == "telephony-unavailable"
            assert body["details"] == {"asterisk": "pbx9"}


async def test_a_second_edge_on_the_same_asterisk_refuses_to_start(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer
) -> None:
    first = node_settings(named_asterisk, postgres_url, nats, name="node-b", roles=("edge",))
    second = node_settings(named_asterisk, postgres_url, nats, name="node-c", roles=("edge",))
    async with running_node(first):
        with pytest.raises(LeaseLostError, match=r"'asterisk-pbx2' is held by node-b:"):
            async with running_node(second):
                pass


async def test_an_edge_whose_lease_is_taken_over_disconnects_from_its_asterisk(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer
) -> None:
    settings = node_settings(named_asterisk, postgres_url, nats, name="node-b", roles=("edge",))
    async with running_node(settings) as b:
        assert b.cluster is not None and b.cluster.edge_lease is not None
        held = b.cluster.edge_lease.epoch
        # As if node-b had been paused past its expiry: the lease lapses and node-c takes it.
        async with b.crm.db.write() as session:
            await session.execute(
                update(NodeLease)
                .where(NodeLease.name == f"asterisk-{SYSTEM}")
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        taken = await b.crm.leases.acquire(f"asterisk-{SYSTEM}", "node-c:0", timedelta(minutes=1))
        assert taken is not None and held is not None and taken.epoch == held + 1

        async with asyncio.timeout(10):
            await b.cluster.edge_lease.lost.wait()
        with pytest.raises(AmiNotConnectedError):
            await b.client.send(Action("Ping"))
        with pytest.raises(StaleEpochError):
            await b.crm.leases.fenced(f"asterisk-{SYSTEM}", held, lambda _session: None)
