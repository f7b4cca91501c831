"""The recordings purge as a worker singleton (issue 18): two workers contend on real
PostgreSQL and exactly one purges; when it stops the other takes over; a holder whose
lease moved on has its round refused by epoch, touching no file and no row; and a
worker deletes no row whose file it cannot see (the edges' files on another disk)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_core.leases.exceptions import StaleEpochError
from crm_core.recording_index.models import RecordingStatus
from crm_core.wiring import Crm, build_crm
from cti.cluster.jobs import RETENTION_PURGE, retention_purge_job
from cti.cluster.singletons import Singletons
from recordings.archive import RecordingArchive
from recordings.retention import ASIDE
from tests.conftest import Clock
from tests.recordings.test_recordings_archive import write_wav
from tests.support.nodes import until

KEEP = timedelta(days=90)
LEASE = f"singleton-{RETENTION_PURGE}"
LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)  # older than KEEP whatever today is
TTL = timedelta(seconds=9)


async def recorded(archive: RecordingArchive, count: int) -> list[int]:
    """``count`` finished recordings with their files, started long ago."""
    ids: list[int] = []
    for _ in range(count):
        opened = await archive.open(call_id=f"pbx2-1577000000.{len(ids)}", queue="hotline")
        write_wav(archive.path_of(opened.recording), 1)
        ids.append((await archive.finish(opened.recording.id)).id)
    return ids


async def indexed(crm: Crm) -> set[int]:
    """The ids of every recording still in the index."""
    return {view.id for view in await crm.recordings.older_than(datetime.now(UTC) + KEEP)}


def files_in(directory: Path) -> list[str]:
    """Every file left in the spool, moved-aside ones included."""
    return sorted(path.name for path in directory.rglob("*") if path.is_file())


@pytest.fixture
async def worker_crms(postgres_url: str) -> AsyncIterator[list[Crm]]:
    """Two workers' CRM services on one PostgreSQL database, each its own pool."""
    crms = [build_crm(database_url=postgres_url) for _ in range(2)]
    yield crms
    for crm in crms:
        await crm.close()


@pytest.mark.postgres
async def test_two_workers_purge_once_and_the_other_takes_over_when_the_holder_stops(
    worker_crms: list[Crm], tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    past = RecordingArchive(index=worker_crms[0].recordings, directory=spool, clock=Clock(LONG_AGO))
    first = set(await recorded(past, 4))

    def worker(crm: Crm, name: str) -> Singletons:
        archive = RecordingArchive(index=crm.recordings, directory=spool)
        job = retention_purge_job(crm, archive=archive, keep=KEEP, every=0.2)
        return Singletons(leases=crm.leases, holder=name, lease_seconds=3.0, jobs=[job])

    workers = [worker(crm, f"worker-{n}:1") for crm, n in zip(worker_crms, "ab", strict=True)]
    for each in workers:
        await each.start()
    try:

        def counted() -> int:
            return sum(each.done[RETENTION_PURGE] for each in workers)

        async def purged(count: int) -> bool:
            # A round counts its work once it is over, after its last commit.
            return counted() == count and not await indexed(worker_crms[0])

        await until(lambda: purged(len(first)), within=30)
        assert files_in(spool) == []
        [holder] = [each for each in workers if RETENTION_PURGE in each.held]
        [other] = [each for each in workers if each is not holder]
        assert (holder.done[RETENTION_PURGE], other.done[RETENTION_PURGE]) == (len(first), 0)
        epoch = holder.held[RETENTION_PURGE].epoch
        assert epoch is not None

        await holder.stop()  # its lease is released: the other takes it at the next try
        second = set(await recorded(past, 3))
        assert second.isdisjoint(first)

        async def taken_over() -> bool:
            held = other.held.get(RETENTION_PURGE)
            return held is not None and held.epoch == epoch + 1

        await until(taken_over, within=3.0 + 1)
        await until(lambda: purged(len(first) + len(second)), within=30)
        assert files_in(spool) == []
        assert other.done[RETENTION_PURGE] == len(second)
        assert holder.done[RETENTION_PURGE] == len(first)  # nothing done twice
        assert other.refused == holder.refused == 0
    finally:
        for each in workers:
            await each.stop()


async def test_a_stale_holders_purge_is_refused_and_touches_nothing(
    any_crm: Crm, clock: Clock, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    past = RecordingArchive(index=any_crm.recordings, directory=spool, clock=Clock(LONG_AGO))
    ids = set(await recorded(past, 3))
    before = files_in(spool)
    job = retention_purge_job(
        any_crm, archive=RecordingArchive(index=any_crm.recordings, directory=spool, clock=clock),
        keep=KEEP, every=60,
    )  # fmt: skip
    paused = await any_crm.leases.acquire(LEASE, "worker-a:1", TTL)
    assert paused is not None
    clock.advance(seconds=TTL.total_seconds() * 2)  # worker-a paused past its expiry
    successor = await any_crm.leases.acquire(LEASE, "worker-b:1", TTL)
    assert successor is not None and successor.epoch == paused.epoch + 1

    with pytest.raises(StaleEpochError):
        await job.run(paused.epoch)
    assert await indexed(any_crm) == ids and files_in(spool) == before  # nothing lost

    assert await job.run(successor.epoch) == len(ids)
    assert await indexed(any_crm) == set() and files_in(spool) == []
    assert await job.run(successor.epoch) == 0  # nothing left to do twice


async def test_a_worker_keeps_a_row_whose_file_it_cannot_see_and_one_on_legal_hold(
    any_crm: Crm, clock: Clock, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    job = retention_purge_job(
        any_crm, archive=RecordingArchive(index=any_crm.recordings, directory=spool, clock=clock),
        keep=KEEP, every=60,
    )  # fmt: skip
    taken = await any_crm.leases.acquire(LEASE, "worker-a:1", TTL)
    assert taken is not None
    assert await job.run(taken.epoch) == 0  # its first round: nothing to settle or purge
    past = RecordingArchive(index=any_crm.recordings, directory=spool, clock=Clock(LONG_AGO))
    elsewhere, held, in_flight, plain = await recorded(past, 4)
    never_written = (await past.open(call_id="pbx2-1577000000.9", queue="hotline")).recording.id
    assert (await past.finish(never_written)).status is RecordingStatus.MISSING
    # One file lives on another edge's disk; one is being purged by another process.
    past.path_of(await any_crm.recordings.get(elsewhere)).unlink()
    moving = past.path_of(await any_crm.recordings.get(in_flight))
    moving.rename(moving.with_name(f"{moving.name}{ASIDE}{in_flight}"))
    await any_crm.recordings.set_legal_hold(held, hold=True, reason="case 2026-114")
    plain_file = past.path_of(await any_crm.recordings.get(plain))

    assert await job.run(taken.epoch) == 2  # the plain one and the one never written
    assert await indexed(any_crm) == {elsewhere, in_flight}
    assert (await any_crm.recordings.get(held)).legal_hold
    assert f"{moving.name}{ASIDE}{in_flight}" in files_in(spool)  # left to its purge
    assert not plain_file.exists()


async def test_a_new_holder_first_settles_what_a_crashed_purge_left_moved_aside(
    any_crm: Crm, clock: Clock, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    past = RecordingArchive(index=any_crm.recordings, directory=spool, clock=Clock(LONG_AGO))
    now = RecordingArchive(index=any_crm.recordings, directory=spool, clock=clock)
    [recent] = await recorded(now, 1)
    old, forgotten = await recorded(past, 2)
    recent_file = now.path_of(await any_crm.recordings.get(recent))
    # The crashed holder moved three files aside: two rows were not deleted yet (its
    # transactions never committed), one was (it died before unlinking the file).
    for recording_id in (recent, old, forgotten):
        path = past.path_of(await any_crm.recordings.get(recording_id))
        path.rename(path.with_name(f"{path.name}{ASIDE}{recording_id}"))
    await any_crm.recordings.delete(forgotten)
    job = retention_purge_job(
        any_crm, archive=RecordingArchive(index=any_crm.recordings, directory=spool, clock=clock),
        keep=KEEP, every=60,
    )  # fmt: skip
    taken = await any_crm.leases.acquire(LEASE, "worker-b:1", TTL)
    assert taken is not None

    assert await job.run(taken.epoch) == 1  # the old one, put back and then purged
    assert await indexed(any_crm) == {recent}
    assert files_in(spool) == [recent_file.name]  # put back, nothing left aside
