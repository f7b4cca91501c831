"""PostgreSQL restarted during a call on a node of several (issue 18, scenario 7): the call
record that could not be written while the database was away is written once it is back,
once; the edge keeps its Asterisk (its lease is held again if it lapsed meanwhile)."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_core.calls.models import CallRecord
from cti.ami import Action
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.cluster import consoles_seen, node_settings, running_node
from tests.support.control import add_user
from tests.support.nats import NatsServer
from tests.support.postgres import PostgresServer
from tests.support.telephony import (
    MEMBER_PHONE,
    RINGING_PHONE,
    agent_console,
    hang_up_everything,
    originate,
    seed_member,
)


async def test_a_call_that_ends_while_the_database_is_away_is_recorded_once_it_is_back(
    named_asterisk: AsteriskServer, postgres: PostgresServer, postgres_url: str,
    nats: NatsServer, ami: AmiClient,
) -> None:  # fmt: skip
    gateway = node_settings(None, postgres_url, nats, name="node-a", roles=("gateway",))
    edge = node_settings(named_asterisk, postgres_url, nats, name="node-b",
                         roles=("edge", "gateway"))  # fmt: skip
    async with running_node(edge) as b, running_node(gateway) as a:
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
                await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
                pop = await console.next_matching("screen_pop", queue="hotline")
                call_id = pop["call_id"]
                await ami.wait_for_event("AgentConnect", 20, Linkedid=call_id)

                postgres.halt()
                try:
                    await hang_up_everything(ami)
                    await b.call_log.wait_until(lambda: b.call_log.failures >= 1, within=20)
                    assert call_id in b.call_log.pending
                finally:
                    postgres.resume()
                record = await b.call_log.wait_for(call_id, within=60)
                assert b.cluster is not None and b.cluster.edge_lease is not None
                assert b.cluster.edge_lease.epoch is not None  # still the edge of pbx2
                assert (await b.client.send(Action("Ping")))["Response"] == "Success"
                async with b.crm.db.read() as session:
                    rows = await session.execute(
                        select(CallRecord.linked_id, func.count()).group_by(CallRecord.linked_id)
                    )
                    counts = {linked_id: count for linked_id, count in rows}
            finally:
                await hang_up_everything(ami)
    assert record.server == "pbx2" and record.queue == "hotline"
    assert b.call_log.parked == 0
    assert counts == {call_id: 1}
