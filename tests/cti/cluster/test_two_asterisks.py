"""Two Asterisks at once (systemnames ``pbx1`` and ``pbx2``), one edge each: node A is the
edge of pbx1 and a gateway, node B the edge of pbx2 and a gateway. One console on A gets
the pops of calls on either Asterisk and controls them; each call's record is written by
its own edge under its server (issue 18)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from crm_core.calls.schemas import CallRecordView
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.cluster import consoles_seen, node_settings, running_node
from tests.support.control import add_user, events
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


@pytest.fixture(scope="module")
def pbx1(asterisk: AsteriskServer) -> Iterator[AsteriskServer]:
    """The session's Asterisk named ``pbx1`` for this module, then without a name again."""
    asterisk.restart(system_name="pbx1")
    try:
        yield asterisk
    finally:
        asterisk.restart(system_name="")


@contextlib.asynccontextmanager
async def two_edges(
    pbx1: AsteriskServer, pbx2: AsteriskServer, database_url: str, nats: NatsServer
) -> AsyncIterator[tuple[CtiService, CtiService]]:
    """Node A (edge of pbx1, gateway) and node B (edge of pbx2, gateway), both running."""
    a = node_settings(pbx1, database_url, nats, name="node-a", roles=("edge", "gateway"))
    b = node_settings(pbx2, database_url, nats, name="node-b", roles=("edge", "gateway"))
    async with running_node(a) as node_a, running_node(b) as node_b:
        yield node_a, node_b


async def sign_in_on(node: CtiService, console: Console) -> None:
    """Sign the console's agent in on ``node``'s Asterisk (each edge signs in on its own)."""
    response = await console.http.post(
        f"http://127.0.0.1:{node.port}/api/agent/signin", json={},
        headers={"Authorization": f"Bearer {console.token}"},
    )  # fmt: skip
    assert response.status == 200, await response.text()


async def pop_hold_and_record(
    console: Console, ami: AmiClient, edge: CtiService, system: str, member: str
) -> CallRecordView:
    """A member's call on ``ami``'s Asterisk: its pop on the console, a hold from the
    console carried out once on that Asterisk, its record written by ``edge``."""
    await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
    pop = await console.next_matching("screen_pop", queue="hotline")
    call_id = pop["call_id"]
    assert call_id.startswith(f"{system}-")
    assert pop["member"]["number"] == member
    connect = await ami.wait_for_event("AgentConnect", 20, Linkedid=call_id)
    caller = connect["Channel"]
    response = await console.post(f"/api/calls/{call_id}/hold")
    assert response.status == 200, await response.text()
    await ami.wait_for_event("MusicOnHoldStart", Channel=caller)
    assert len(events(ami, "MusicOnHoldStart", Channel=caller)) == 1
    await hang_up_everything(ami)
    return await edge.call_log.wait_for(call_id, within=15)


async def test_one_console_pops_and_controls_calls_on_either_asterisk(
    pbx1: AsteriskServer, second_asterisk: AsteriskServer, postgres_url: str,
    nats: NatsServer, ami: AmiClient, second_ami: AmiClient,
) -> None:  # fmt: skip
    async with two_edges(pbx1, second_asterisk, postgres_url, nats) as (a, b):
        assert (a.cluster and a.cluster.system, b.cluster and b.cluster.system) == (
            "pbx1", "pbx2",
        )  # fmt: skip
        await add_user(a, "agent1", "agent", RINGING_PHONE, ("hotline",))
        member = await seed_member(a)
        async with agent_console(a, "agent1") as console:
            try:
                await consoles_seen(b, "agent1", 1)
                await sign_in_on(a, console)
                await sign_in_on(b, console)

                on_pbx2 = await pop_hold_and_record(console, second_ami, b, "pbx2", member)
                on_pbx1 = await pop_hold_and_record(console, ami, a, "pbx1", member)
            finally:
                await hang_up_everything(ami)
                await hang_up_everything(second_ami)
        assert (on_pbx1.server, on_pbx2.server) == ("pbx1", "pbx2")
        assert b.cluster is not None and b.cluster.responder is not None
        assert b.cluster.responder.answered == 1  # A's hold of pbx2's call, through B
        page = await a.crm.calls.search()
        assert sorted((c.server, c.linked_id) for c in page.calls) == sorted(
            [(on_pbx1.server, on_pbx1.linked_id), (on_pbx2.server, on_pbx2.linked_id)]
        )


@pytest.fixture
def own_nats() -> Iterator[NatsServer]:
    """A nats-server of this test's own (it is restarted)."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_queue_on_both_asterisks_is_one_queue_on_the_gateway_and_is_repaired_after_a_gap(
    pbx1: AsteriskServer, second_asterisk: AsteriskServer, postgres_url: str,
    own_nats: NatsServer, ami: AmiClient, second_ami: AmiClient,
) -> None:  # fmt: skip
    async with two_edges(pbx1, second_asterisk, postgres_url, own_nats) as (a, _b):
        await add_user(a, "boss", "supervisor", None)
        await add_user(a, "agent1", "agent", None, ("hotline",))
        async with agent_console(a, "boss") as boss, agent_console(a, "agent1") as agent:
            try:
                await originate(ami, '"Caller" <13900000001>')  # nobody signed in: they wait
                await originate(second_ami, '"Caller" <13900000002>')
                await boss.next_matching("queue_update", queue="hotline", waiting=1)
                queues = (await boss.get("/api/queues"))["queues"]
                assert [q["waiting"] for q in queues if q["queue"] == "hotline"] == [2]
                calls = (await boss.get("/api/calls"))["calls"]
                assert sorted(c["call_id"].split("-")[0] for c in calls) == ["pbx1", "pbx2"]
                seen_by_agent = (await agent.get("/api/queues"))["queues"]
                assert [q["queue"] for q in seen_by_agent] == ["hotline"]  # their own queue

                assert a.cluster is not None and a.cluster.views is not None
                gathered = a.cluster.views.gathered
                own_nats.restart()
                await boss.next_matching("telephony_status", online=True)
                repaired = await boss.next_matching("queue_update", queue="hotline", waiting=2)
                assert repaired["waiting"] == 2 and a.cluster.views.gathered > gathered
            finally:
                await hang_up_everything(ami)
                await hang_up_everything(second_ami)
