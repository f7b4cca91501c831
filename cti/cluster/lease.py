"""A lease as its holder keeps it: taken, renewed at a third of its life, given up on a
clean stop; when it is lost (not renewed in time, or taken over) the holder is told."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from crm_core.leases.schemas import NodeLeaseView
from crm_core.leases.services import NodeLeases

log = logging.getLogger(__name__)


class LeaseLostError(Exception):
    """The lease could not be taken: another holder has it."""


class HeldLease:
    """Holds the lease ``name`` for ``holder`` while running; ``epoch`` fences its writes."""

    def __init__(
        self,
        *,
        leases: NodeLeases,
        name: str,
        holder: str,
        seconds: float,
        on_lost: Callable[[], Awaitable[None]],
    ) -> None:
        self._leases = leases
        self.name = name
        self.holder = holder
        self._ttl = timedelta(seconds=seconds)
        self._on_lost = on_lost
        self.epoch: int | None = None
        self._renewer: asyncio.Task[None] | None = None
        self.lost = asyncio.Event()
        """Set once the lease was lost and ``on_lost`` has finished."""
        self.turned = asyncio.Event()
        """Set after each turn of the renewer (whoever waits clears it)."""

    async def take(self) -> NodeLeaseView:
        """Take the lease and keep renewing it; :class:`LeaseLostError` naming who has it."""
        taken = await self._leases.acquire(self.name, self.holder, self._ttl)
        if taken is None:
            held = [lease for lease in await self._leases.listed() if lease.name == self.name]
            who = f"{held[0].holder} until {held[0].expires_at:%H:%M:%S} UTC" if held else "?"
            raise LeaseLostError(f"lease {self.name!r} is held by {who}")
        self.epoch = taken.epoch
        self._renewer = asyncio.create_task(self._renew_forever(), name=f"lease-{self.name}")
        return taken

    async def release(self) -> None:
        """Stop renewing and let the lease lapse now, so another node takes it at once."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        if self.epoch is not None:
            await self._leases.release(self.name, self.holder, self.epoch)
            self.epoch = None

    async def _renew_forever(self) -> None:
        every = self._ttl.total_seconds() / 3
        while self.epoch is not None:
            await asyncio.sleep(every)
            try:
                renewed = await self._leases.renew(self.name, self.holder, self.epoch, self._ttl)
            except Exception:  # the database away: try again; the lease may yet lapse
                log.warning("could not renew lease %s; trying again", self.name, exc_info=True)
                continue
            if not renewed and not await self._taken_again():
                log.error("lease %s lost (epoch %s): stopping what it guards", self.name,
                          self.epoch)  # fmt: skip
                self.epoch = None
                await self._on_lost()
                self.lost.set()
            self.turned.set()

    async def _taken_again(self) -> bool:
        """A lease that lapsed while nobody else took it (the database was away longer
        than its life) is taken again, at a new epoch; False when another holder has it."""
        try:
            taken = await self._leases.acquire(self.name, self.holder, self._ttl)
        except Exception:  # the database away again: the next renewal tries once more
            log.warning("could not take lease %s again", self.name, exc_info=True)
            return True
        if taken is None:
            return False
        log.warning("lease %s lapsed and nobody took it: held again at epoch %d (was %s)",
                    self.name, taken.epoch, self.epoch)  # fmt: skip
        self.epoch = taken.epoch
        return True


__all__ = ["HeldLease", "LeaseLostError"]
