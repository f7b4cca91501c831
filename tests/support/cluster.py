"""Helpers for the multi-node tests: nodes of one service sharing a PostgreSQL database
and a nats-server, started in-process on free loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from cti.service import CtiService
from cti.settings import (
    ApiSettings,
    DatabaseSettings,
    NatsSettings,
    NodeRole,
    NodeSettings,
    Settings,
)
from tests.support.asterisk import AsteriskServer
from tests.support.nats import NatsServer
from tests.support.telephony import Console, settings_for


def node_settings(
    asterisk: AsteriskServer | None,
    database_url: str,
    nats: NatsServer,
    *,
    name: str,
    roles: tuple[NodeRole, ...],
) -> Settings:
    """A node's settings: the sandbox's AMI (used if it is an edge; none for a gateway
    alone), the shared database and bus, short heartbeats and leases."""
    base = (
        settings_for(asterisk, database_url)
        if asterisk is not None
        else Settings(database=DatabaseSettings(url=database_url), api=ApiSettings(port=0))
    )
    return base.model_copy(
        update={
            "node": NodeSettings(name=name, roles=roles, lease_seconds=3.0, heartbeat_seconds=0.5),
            "nats": NatsSettings(url=nats.url, request_timeout=5.0),
        }
    )


@contextlib.asynccontextmanager
async def running_node(settings: Settings) -> AsyncIterator[CtiService]:
    """One node, started (online to its Asterisk if it is an edge) and stopped at the end."""
    node = CtiService(settings)
    try:
        await node.start(online_within=15)
        yield node
    finally:
        await node.stop()


async def consoles_seen(node: CtiService, login: str, count: int, within: float = 10.0) -> None:
    """Wait until ``node`` knows ``login`` has ``count`` consoles open over the bus (checked
    each time a gateway's presence list arrives)."""
    assert node.cluster is not None
    presence = node.cluster.presence
    async with asyncio.timeout(within):
        while presence.connections_of(login) != count:
            presence.learnt.clear()
            await presence.learnt.wait()


async def messages_until_marker(
    console: Console, marker: str, within: float = 10.0
) -> list[dict[str, Any]]:
    """Every message the console reads up to the notice whose text is ``marker``."""
    read: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            message = await console.socket.receive_json()
            if message["type"] == "notice" and message["text"] == marker:
                return read
            read.append(message)


__all__ = ["consoles_seen", "messages_until_marker", "node_settings", "running_node"]
