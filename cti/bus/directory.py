"""Which staff user sits at which phone interface: a cache in front of the user service."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from crm_core.errors import InvalidInputError
from crm_core.staff.schemas import UserView
from crm_core.staff.services import UserService
from cti.bus.bounded import remember

CACHED_INTERFACES = 5000
"""The most interfaces cached; the least recently used go first (a call centre has far
fewer phones: the bound only stops a stream of odd interfaces from growing it forever)."""


class AgentDirectory:
    """Users by phone interface, cached (also "nobody"); `forget` after a sign-in changes it."""

    def __init__(self, *, users: UserService, limit: int = CACHED_INTERFACES) -> None:
        self._users = users
        self._limit = limit
        self._by_interface: OrderedDict[str, UserView | None] = OrderedDict()

    def __len__(self) -> int:
        """How many interfaces are cached."""
        return len(self._by_interface)

    async def by_interface(self, interface: str) -> UserView | None:
        """The user whose phone is ``interface``, or ``None`` (also for a malformed one)."""
        if interface in self._by_interface:
            self._by_interface.move_to_end(interface)
            return self._by_interface[interface]
        try:
            user = await self._users.user_by_interface(interface)
        except InvalidInputError:
            user = None
        return remember(self._by_interface, interface, user, self._limit)

    async def warm(self, interfaces: Iterable[str]) -> None:
        """Look up every interface not cached yet (after a resync: names for the wall-board)."""
        for interface in interfaces:
            if interface not in self._by_interface:
                await self.by_interface(interface)

    def cached(self, interface: str) -> UserView | None:
        """The cached user of ``interface`` without I/O (``None`` when not looked up yet)."""
        return self._by_interface.get(interface)

    def remember(self, user: UserView) -> None:
        """Cache ``user`` under its interface (a user who just signed in)."""
        if user.interface is not None:
            remember(self._by_interface, user.interface, user, self._limit)

    def forget(self, interface: str) -> None:
        """Drop what is cached for ``interface``; the next lookup asks the database."""
        self._by_interface.pop(interface, None)
