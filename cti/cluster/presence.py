"""Who has a console open on which gateway: what an edge asks before a screen-pop lookup.

Each gateway publishes its whole list (login → open consoles) when a console opens or
closes and with every heartbeat, so a lost message is repaired by the next one; a
gateway not heard from for three heartbeats counts for nothing. The node's own consoles
are read from its hub directly.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from nats.aio.msg import Msg


@dataclass
class _Seen:
    consoles: dict[str, int]
    at: float


class Presence:
    """Open consoles by login, over every gateway of the bus."""

    def __init__(
        self,
        *,
        node: str,
        local: Callable[[str], int],
        stale_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._node = node
        self._local = local
        self._stale_after = stale_after
        self._clock = clock
        self._by_node: dict[str, _Seen] = {}
        self.learnt = asyncio.Event()
        """Set each time another gateway's list arrives (whoever waits clears it)."""

    def connections_of(self, login: str) -> int:
        """Consoles ``login`` has open on this node and on the gateways heard lately."""
        oldest = self._clock() - self._stale_after
        remote = sum(
            seen.consoles.get(login, 0) for seen in self._by_node.values() if seen.at >= oldest
        )
        return self._local(login) + remote

    def learn(self, node: str, consoles: dict[str, int]) -> None:
        """Take ``node``'s whole list of open consoles (this node's own are ignored)."""
        if node != self._node:
            self._by_node[node] = _Seen(consoles, self._clock())
            self.learnt.set()

    async def heard(self, message: Msg) -> None:
        """The presence subject's handler."""
        heard = json.loads(message.data)
        self.learn(str(heard["node"]), {str(k): int(v) for k, v in heard["consoles"].items()})


def presence_payload(node: str, consoles: dict[str, int]) -> bytes:
    """A gateway's presence message."""
    return json.dumps({"node": node, "consoles": consoles}, separators=(",", ":")).encode()


__all__ = ["Presence", "presence_payload"]
