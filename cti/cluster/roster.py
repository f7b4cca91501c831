"""The live nodes, asked over the bus: what ``ctidesk nodes`` lists beside the leases."""

from __future__ import annotations

import asyncio
import contextlib

from nats import connect
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from cti.cluster import subjects
from cti.cluster.connection import BusUnavailableError
from cti.cluster.status import NodeStatus
from cti.settings import NatsSettings


async def live_nodes(settings: NatsSettings, *, within: float) -> list[NodeStatus]:
    """Every node that answers a status request within ``within`` seconds, by name."""
    try:
        client = await connect(
            settings.servers(), name="ctidesk-nodes", allow_reconnect=False,
            connect_timeout=round(settings.connect_timeout) or 1,
        )  # fmt: skip
    except (OSError, NatsError, TimeoutError) as error:
        raise BusUnavailableError(
            f"cannot reach the NATS bus at {settings.url} (nats.url): {error}"
        ) from None
    answers: list[NodeStatus] = []

    async def answered(message: Msg) -> None:
        with contextlib.suppress(ValueError):
            answers.append(NodeStatus.decode(message.data))

    try:
        inbox = client.new_inbox()
        await client.subscribe(inbox, cb=answered)
        await client.publish(subjects.NODE_STATUS, b"", reply=inbox)
        await client.flush()
        await asyncio.sleep(within)  # replies come from every node; none says it is the last
    finally:
        await client.close()
    return sorted(answers, key=lambda status: (status.node, status.instance))


__all__ = ["live_nodes"]
