"""The singletons a worker runs, each a :class:`~cti.cluster.singletons.SingletonJob`."""

from __future__ import annotations

from crm_core.service_desk.breaches import note_breaches
from crm_core.wiring import Crm
from cti.cluster.singletons import SingletonJob

SLA_SCAN = "sla-scan"


def sla_scan_job(crm: Crm, *, every: float) -> SingletonJob:
    """Note the service deadlines open requests missed, once each, fenced by the epoch."""

    async def run(epoch: int) -> int:
        now = crm.leases.clock()
        return await crm.leases.fenced(
            f"singleton-{SLA_SCAN}", epoch, lambda session: note_breaches(session, now, by=SLA_SCAN)
        )

    return SingletonJob(name=SLA_SCAN, every=every, run=run)


def worker_jobs(crm: Crm, *, sla_scan_seconds: float) -> list[SingletonJob]:
    """Every singleton a worker contends for."""
    return [sla_scan_job(crm, every=sla_scan_seconds)]


__all__ = ["SLA_SCAN", "sla_scan_job", "worker_jobs"]
