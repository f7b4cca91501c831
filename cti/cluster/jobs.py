"""The singletons a worker runs, each a :class:`~cti.cluster.singletons.SingletonJob`.

- ``sla-scan``: notes each service deadline an open request missed, once.
- ``retention-purge`` (only with ``[recordings] retention_days``): deletes the recordings
  older than that, never one on legal hold, each row and file under the lease.

What else runs on a timer is not a site-wide singleton: post-call surveys run on their
call in the IVR of its edge and campaign surveys on the campaign's calls; campaign
call-backs are claimed by their campaign's dialer under its own lease (``dialer_leases``)
or offered to their owner; the IVR's after-hours call-backs are read by each console for
its agent; expired API tokens go at each login.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from crm_core.service_desk.breaches import note_breaches
from crm_core.wiring import Crm
from cti.cluster.singletons import SingletonJob
from cti.settings import Settings
from recordings import retention
from recordings.archive import RecordingArchive

log = logging.getLogger(__name__)

SLA_SCAN = "sla-scan"
RETENTION_PURGE = "retention-purge"


def sla_scan_job(crm: Crm, *, every: float) -> SingletonJob:
    """Note the service deadlines open requests missed, once each, fenced by the epoch."""

    async def run(epoch: int) -> int:
        now = crm.leases.clock()
        return await crm.leases.fenced(
            f"singleton-{SLA_SCAN}", epoch, lambda session: note_breaches(session, now, by=SLA_SCAN)
        )

    return SingletonJob(name=SLA_SCAN, every=every, run=run)


def retention_purge_job(
    crm: Crm, *, archive: RecordingArchive, keep: timedelta, every: float
) -> SingletonJob:
    """Purge the recordings started more than ``keep`` ago, each row deleted and its file
    moved aside in one transaction fenced by the epoch (see :mod:`recordings.retention`);
    at each new epoch, first settle the files a crashed holder left moved aside."""
    lease = f"singleton-{RETENTION_PURGE}"
    settled: set[int] = set()

    async def run(epoch: int) -> int:
        async def fenced(write: Callable[[Session], int]) -> int:
            return await crm.leases.fenced(lease, epoch, write)

        if epoch not in settled:
            if handled := await retention.recover_set_aside_fenced(archive, fenced):
                log.warning("retention purge: settled %d files a purge left moved aside", handled)
            settled.add(epoch)
        report = await retention.purge(archive, keep, dry_run=False, fenced=fenced)
        if report.deleted or report.failed:
            log.info("retention purge: deleted %d recordings (%d bytes), kept %d on legal "
                     "hold, %d could not be removed", len(report.deleted), report.bytes_freed,
                     report.kept_on_hold, len(report.failed))  # fmt: skip
        return len(report.deleted)

    return SingletonJob(name=RETENTION_PURGE, every=every, run=run)


def worker_jobs(crm: Crm, settings: Settings) -> list[SingletonJob]:
    """Every singleton a worker contends for, as the settings ask."""
    node, recordings = settings.node, settings.recordings
    jobs = [sla_scan_job(crm, every=node.sla_scan_seconds)]
    if recordings.retention_days:
        archive = RecordingArchive(
            index=crm.recordings, directory=Path(recordings.directory), clock=crm.leases.clock
        )
        jobs.append(retention_purge_job(
            crm, archive=archive, keep=timedelta(days=recordings.retention_days),
            every=node.retention_purge_seconds,
        ))  # fmt: skip
    return jobs


__all__ = ["RETENTION_PURGE", "SLA_SCAN", "retention_purge_job", "sla_scan_job", "worker_jobs"]
