"""The node leases, each call one unit of work on the CRM database.

Times come from the service's clock: the nodes' clocks must agree to well within a
lease's life (NTP), and the epoch fence keeps a write safe even where they do not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.leases import repository
from crm_core.leases.schemas import NodeLeaseView
from crm_core.loyalty.services import Clock

T = TypeVar("T")


class NodeLeases:
    """Take, renew, release and list leases; run a write fenced by a lease's epoch."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def acquire(self, name: str, holder: str, ttl: timedelta) -> NodeLeaseView | None:
        """Take the lease (a new epoch) or keep it (``holder`` has it); None while another
        holder has it."""
        now = self.clock()
        return await self._db.run_write(
            lambda session: repository.take(session, name, holder, ttl, now)
        )

    async def renew(self, name: str, holder: str, epoch: int, ttl: timedelta) -> bool:
        """Extend the lease; False once it lapsed or another holder took it (take it again)."""
        now = self.clock()
        return await self._db.run_write(
            lambda session: repository.extend(session, name, holder, epoch, ttl, now)
        )

    async def release(self, name: str, holder: str, epoch: int) -> bool:
        """Let the lease lapse now (a clean stop); False if ``holder`` did not hold it."""
        now = self.clock()
        return await self._db.run_write(
            lambda session: repository.lapse(session, name, holder, epoch, now)
        )

    async def fenced(self, name: str, epoch: int, write: Callable[[Session], T]) -> T:
        """Run ``write`` in one transaction after the fence: :class:`StaleEpochError` and
        nothing written when ``epoch`` is not the lease's current, unlapsed epoch."""
        now = self.clock()

        def guarded(session: Session) -> T:
            repository.fence(session, name, epoch, now)
            return write(session)

        return await self._db.run_write(guarded)

    async def listed(self) -> list[NodeLeaseView]:
        """Every lease (held or lapsed), by name."""
        async with self._db.read() as session:
            return await session.run_sync(repository.listed)


__all__ = ["NodeLeases"]
