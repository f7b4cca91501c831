"""What the domains push to the consoles: the hub's interface, without the hub.

Domains take a :class:`Pushes` by constructor; the composition root hands them the
WebSocket hub (`cti.http.hub`). Messages are the wire types of `cti.protocol`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from cti.http.auth import SUPERVISORS
from cti.protocol import Message

SUPERVISOR_ROLES = frozenset(role.value for role in SUPERVISORS)
"""The roles whose consoles get the whole centre's live state (``roles=`` of a broadcast)."""


class Pushes(Protocol):
    """Queue messages for the consoles of a user, of some roles, or of everyone."""

    def send_to_user(self, login: str, message: Message) -> int:
        """Queue ``message`` for every console of ``login``; how many consoles got it."""
        ...

    def broadcast(self, message: Message, *, roles: Collection[str] | None = None) -> int:
        """Queue ``message`` for every console (of ``roles``, if given); how many got it."""
        ...

    def connections_of(self, login: str) -> int:
        """How many consoles ``login`` has open now."""
        ...


__all__ = ["SUPERVISOR_ROLES", "Pushes"]
