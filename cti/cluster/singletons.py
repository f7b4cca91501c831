"""A worker's singletons: jobs that must run in exactly one process of the site, each held
by its lease in ``node_leases`` (``singleton-<job>``).

Every worker contends for every job: the one that takes a job's lease runs it every
``every`` seconds and renews the lease at a third of its life; the others try to take it
again at that pace, so a holder that dies is replaced within the lease's life and a
third. Each run gets the lease's epoch and makes its writes through
:meth:`~crm_core.leases.services.NodeLeases.fenced`: a holder paused past its expiry
(SIGSTOP, a long pause) that wakes after another took over has its writes refused
(``StaleEpochError``) and goes back to contending, so no work is done twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from crm_core.leases.exceptions import StaleEpochError
from crm_core.leases.services import NodeLeases
from cti.cluster.lease import HeldLease, LeaseLostError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SingletonJob:
    """One singleton: ``run(epoch)`` does one round of work and says how much it did."""

    name: str
    every: float
    run: Callable[[int], Awaitable[int]]

    @property
    def lease(self) -> str:
        """The lease that makes the job single."""
        return f"singleton-{self.name}"


async def _nothing() -> None:
    """What a job's lease being lost needs besides ending its rounds: nothing."""


class Singletons:
    """Contends for every job's lease and runs the jobs it holds; ``start`` then ``stop``."""

    def __init__(
        self, *, leases: NodeLeases, holder: str, lease_seconds: float, jobs: list[SingletonJob]
    ) -> None:
        self._leases = leases
        self._holder = holder
        self._lease_seconds = lease_seconds
        self._jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []
        self.held: dict[str, HeldLease] = {}
        """The jobs this process runs now, by name."""
        self.done: dict[str, int] = {job.name: 0 for job in jobs}
        """Work each job did here (its rounds' counts added up)."""
        self.refused = 0
        """Rounds whose writes were refused for a stale epoch."""

    async def start(self) -> None:
        """Begin contending for every job."""
        self._tasks = [
            asyncio.create_task(self._contend_forever(job), name=f"singleton-{job.name}")
            for job in self._jobs
        ]

    async def stop(self) -> None:
        """Stop the jobs (a round in flight is cancelled: its transaction rolls back) and
        let their leases lapse now, so another worker takes them at once."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _contend_forever(self, job: SingletonJob) -> None:
        retry = self._lease_seconds / 3
        while True:
            held = HeldLease(leases=self._leases, name=job.lease, holder=self._holder,
                             seconds=self._lease_seconds, on_lost=_nothing)  # fmt: skip
            try:
                await held.take()
            except LeaseLostError:
                await asyncio.sleep(retry)
                continue
            except Exception:  # the database away: contend again at the same pace
                log.warning("could not contend for %s", job.lease, exc_info=True)
                await asyncio.sleep(retry)
                continue
            log.info("%s runs singleton %s at epoch %s", self._holder, job.name, held.epoch)
            self.held[job.name] = held
            try:
                await self._run_while_held(job, held)
            finally:
                self.held.pop(job.name, None)
                with contextlib.suppress(Exception):  # the database away: it lapses
                    await held.release()
            log.warning("%s stopped running singleton %s", self._holder, job.name)

    async def _run_while_held(self, job: SingletonJob, held: HeldLease) -> None:
        while (epoch := held.epoch) is not None:
            try:
                self.done[job.name] += await job.run(epoch)
            except StaleEpochError as error:
                self.refused += 1
                log.error("singleton %s: a write at epoch %d was refused (%s); another "
                          "process holds it now", job.name, epoch, error)  # fmt: skip
                return
            except Exception:  # one failed round (the database away): the next tries again
                log.exception("singleton %s: a round failed", job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(held.lost.wait(), job.every)


__all__ = ["SingletonJob", "Singletons"]
