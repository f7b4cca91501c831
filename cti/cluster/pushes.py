"""The publisher seam: what the domains push goes onto the bus, not straight to a hub.

In a multi-node setup the composition root hands the domains a :class:`BusPushes`
instead of the WebSocket hub. A push for a user goes to that user's subject and a
broadcast to the subject of each role it is for; the gateways that have such consoles
subscribed, and deliver the message to them (the node's own gateway too, over the bus,
so each console gets each message exactly once whichever edge sent it). Messages are
encoded once, here, as the wire protocol's JSON, and numbered per subject
(:mod:`cti.cluster.sequence`) so a gateway notices one that never came.
"""

from __future__ import annotations

from collections.abc import Collection

from cti.cluster import subjects
from cti.cluster.connection import Bus
from cti.cluster.presence import Presence
from cti.cluster.sequence import Numbering
from cti.protocol import Message, to_json


class BusPushes:
    """:class:`~cti.http.pushes.Pushes` over the bus."""

    def __init__(self, *, bus: Bus, presence: Presence, origin: str) -> None:
        self._bus = bus
        self._presence = presence
        self._numbering = Numbering(origin)

    def _publish(self, subject: str, payload: bytes) -> bool:
        return self._bus.publish(subject, payload, self._numbering.headers(subject))

    def send_to_user(self, login: str, message: Message) -> int:
        """Publish ``message`` for ``login``'s consoles; how many consoles it has open."""
        consoles = self._presence.connections_of(login)
        if consoles:
            self._publish(subjects.user(login), to_json(message).encode())
        return consoles

    def broadcast(self, message: Message, *, roles: Collection[str] | None = None) -> int:
        """Publish ``message`` for every console (of ``roles``); how many subjects got it."""
        payload = to_json(message).encode()
        if roles is None:
            return int(self._publish(subjects.BROADCAST_ALL, payload))
        return sum(self._publish(subjects.broadcast(role), payload) for role in sorted(roles))

    def connections_of(self, login: str) -> int:
        """Consoles ``login`` has open on any gateway."""
        return self._presence.connections_of(login)


__all__ = ["BusPushes"]
