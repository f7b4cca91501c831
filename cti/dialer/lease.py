"""A campaign's dialer lease as its runner holds it: taken, renewed at a third of its life,
given up on a clean stop; lost when another process has taken it over."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crm_core.campaigns import leases
from crm_core.wiring import Crm

log = logging.getLogger(__name__)


@dataclass
class CampaignLease:
    """The lease row ``campaign-<id>``: ``epoch`` is set while this holder has it."""

    crm: Crm
    campaign_id: int
    holder: str
    seconds: float
    clock: Callable[[], float]
    epoch: int | None = None
    _renewed: float = 0.0

    @property
    def name(self) -> str:
        """The lease row's name."""
        return leases.lease_name(self.campaign_id)

    async def hold(self) -> bool:
        """Take the lease if free, or renew it when a third of its life has passed.

        True when it was just taken (the caller reconciles what a previous holder left).
        """
        now, store = self.clock(), self.crm.campaigns
        if self.epoch is None:
            lease = await store.acquire_lease(self.name, self.holder, self._ttl, utc(now))
            if lease is None:
                return False
            self.epoch, self._renewed = lease.epoch, now
            return True
        if now - self._renewed >= self.seconds / 3:
            if await store.renew_lease(self.name, self.holder, self.epoch, self._ttl, utc(now)):
                self._renewed = now
            else:
                log.warning("campaign %s: lease lost; dialling stops", self.campaign_id)
                self.epoch = None
        return False

    async def release(self) -> None:
        """Let the lease lapse now (a clean stop), so another process takes over at once."""
        if self.epoch is not None:
            await self.crm.campaigns.release_lease(
                self.name, self.holder, self.epoch, utc(self.clock())
            )
            self.epoch = None

    @property
    def _ttl(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def utc(at: float) -> datetime:
    """Epoch seconds (the dialer's clocks) as an aware UTC datetime (the CRM's times)."""
    return datetime.fromtimestamp(at, UTC)


__all__ = ["CampaignLease", "utc"]
