"""``ctidesk nodes`` and ``ctidesk serve --role``: the live nodes and leases; roles checked
before anything starts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from cti.cli import app
from tests.support.cluster import node_settings, running_node
from tests.support.nats import NatsServer


def test_nodes_without_a_bus_says_this_is_a_single_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTIDESK_NATS_URL", raising=False)
    result = CliRunner().invoke(app, ["nodes"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "no bus: nats.url is empty, so this is a single node" in result.output


def test_serve_refuses_an_unknown_role_naming_the_option() -> None:
    result = CliRunner().invoke(app, ["serve", "--role", "edge,pbx"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "--role 'edge,pbx': unknown role 'pbx'" in result.output


def test_serve_refuses_a_gateway_alone_without_a_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTIDESK_NATS_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--role", "gateway"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "node.roles = ['gateway']: a node with only some roles needs the bus" in result.output


async def test_nodes_lists_the_nodes_answering_on_the_bus_and_the_leases(
    postgres_url: str, nats: NatsServer
) -> None:
    settings = node_settings(None, postgres_url, nats, name="gw-a", roles=("gateway",))
    async with running_node(settings) as node:
        assert node.cluster is not None
        await node.crm.leases.acquire("asterisk-pbx7", "node-z:0a1b2c3d", timedelta(minutes=10))
        env = {"COLUMNS": "200", "CTIDESK_NATS_URL": nats.url,
               "CTIDESK_DATABASE_URL": postgres_url}  # fmt: skip
        # The command runs its own event loop: in a thread, while this loop's node answers.
        result = await asyncio.to_thread(
            CliRunner().invoke, app, ["nodes", "--wait", "0.5"], env=env
        )
    text = result.output
    assert result.exit_code == 0, text
    assert node.cluster.instance in text
    assert "gateway" in text
    assert "asterisk-pbx7" in text and "node-z:0a1b2c3d" in text and "held" in text
