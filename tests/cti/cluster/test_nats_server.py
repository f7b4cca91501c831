"""The test session's nats-server: started once on a free loopback port, JetStream off."""

from __future__ import annotations

import asyncio

from nats import connect
from nats.aio.client import Client
from nats.aio.msg import Msg

from tests.support.nats import NatsServer


async def test_the_session_nats_server_relays_a_request_between_two_clients(
    nats: NatsServer,
) -> None:
    asker, answerer = await nats_connect(nats.url), await nats_connect(nats.url)
    try:

        async def answer(message: Msg) -> None:
            await message.respond(message.data.upper())

        await answerer.subscribe("ctidesk.test.echo", cb=answer)
        await answerer.flush()
        reply = await asker.request("ctidesk.test.echo", b"ping", timeout=5)
        assert reply.data == b"PING"
        assert nats.varz()["jetstream"] == {}  # JetStream off
    finally:
        await asyncio.gather(asker.close(), answerer.close())


async def nats_connect(url: str) -> Client:
    """A client of the session's server."""
    return await connect(url, allow_reconnect=False)
