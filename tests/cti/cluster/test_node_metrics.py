"""``/metrics`` per node: each node serves its own figures (who it is, its bus, its
consoles, the singletons it runs) beside the live figures."""

from __future__ import annotations

import aiohttp
from pydantic import SecretStr

from cti.settings import NodeRole, Settings, StatsSettings
from tests.support.cluster import consoles_seen, node_settings, running_node
from tests.support.control import add_user
from tests.support.nats import NatsServer
from tests.support.telephony import agent_console

TOKEN = "a-scraper-token-of-24-characters"


def with_metrics(settings: Settings) -> Settings:
    """``settings`` serving ``/metrics`` for ``TOKEN``."""
    return settings.model_copy(update={"stats": StatsSettings(metrics_token=SecretStr(TOKEN))})


async def scrape(port: int) -> str:
    """The node's ``/metrics`` text."""
    url, bearer = f"http://127.0.0.1:{port}/metrics", {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=bearer) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def test_each_node_serves_its_own_figures(postgres_url: str, nats: NatsServer) -> None:
    gateway_roles: tuple[NodeRole, ...] = ("gateway",)
    worker_roles: tuple[NodeRole, ...] = ("worker",)
    a = with_metrics(node_settings(None, postgres_url, nats, name="gw-a", roles=gateway_roles))
    b = with_metrics(node_settings(None, postgres_url, nats, name="wk-b", roles=worker_roles))
    async with running_node(a) as gateway, running_node(b) as worker:
        await add_user(gateway, "li.na", "agent", None)
        async with agent_console(gateway, "li.na"):
            await consoles_seen(worker, "li.na", 1)
            gateway_text = await scrape(gateway.port)
            worker_text = await scrape(worker.port)
    assert 'ctidesk_node_info{asterisk="",node="gw-a",roles="gateway",' in gateway_text
    assert "ctidesk_node_consoles 1.0" in gateway_text
    assert "ctidesk_bus_online 1.0" in gateway_text
    assert "ctidesk_gateway_delivered_total" in gateway_text
    assert "ctidesk_singleton_held" not in gateway_text
    assert 'ctidesk_node_info{asterisk="",node="wk-b",roles="worker",' in worker_text
    assert 'ctidesk_singleton_work_total{job="sla-scan"}' in worker_text
    assert "ctidesk_gateway_delivered_total" not in worker_text
