"""An edge needs its Asterisk to have a systemname: without one it refuses to start."""

from __future__ import annotations

import pytest

from crm_core.wiring import build_crm
from cti.cluster.edge import EdgeClaimError
from tests.support.asterisk import AsteriskServer
from tests.support.cluster import node_settings, running_node
from tests.support.nats import NatsServer


async def test_an_edge_on_an_asterisk_without_a_systemname_refuses_to_start(
    asterisk: AsteriskServer, postgres_url: str, nats: NatsServer
) -> None:
    settings = node_settings(asterisk, postgres_url, nats, name="node-b", roles=("edge",))
    with pytest.raises(EdgeClaimError, match="has no systemname: several nodes need each"):
        async with running_node(settings):
            pass
    crm = build_crm(database_url=postgres_url)
    try:
        assert await crm.leases.listed() == []  # it took no lease
    finally:
        await crm.close()
