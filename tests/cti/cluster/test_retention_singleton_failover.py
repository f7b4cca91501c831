"""The recordings purge across worker processes (issue 18, scenario 3 for this job):
SIGKILL the worker purging and another takes over within the lease's life and a second;
SIGSTOP a holder past its expiry and SIGCONT it after a third took over: it stops
purging (its renewal or its write refused by epoch). Every old recording goes once,
with its file; nothing is left moved aside and a recent one stays."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_core.wiring import Crm, build_crm
from cti.cluster.jobs import RETENTION_PURGE
from recordings.archive import RecordingArchive
from tests.conftest import Clock
from tests.recordings.test_recordings_archive import write_wav
from tests.support.nats import NatsServer
from tests.support.nodes import NodeProcess, holder_node, lease_named, taken_by, until

LEASE_SECONDS = 3.0
JOB_LEASE = f"singleton-{RETENTION_PURGE}"
LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)  # far past any retention of a day


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    """The recordings directory every worker and the test share."""
    return tmp_path / "spool"


@pytest.fixture
def workers(
    postgres_url: str, nats: NatsServer, spool: Path, tmp_path: Path
) -> Iterator[list[NodeProcess]]:
    """Three worker nodes (not started) keeping recordings a day, stopped by pid at the end."""
    env = {
        "CTIDESK_DATABASE_URL": postgres_url, "CTIDESK_NATS_URL": nats.url,
        "CTIDESK_NODE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CTIDESK_NODE_HEARTBEAT_SECONDS": "0.5",
        "CTIDESK_NODE_RETENTION_PURGE_SECONDS": "0.2",
        "CTIDESK_RECORDINGS_RETENTION_DAYS": "1", "CTIDESK_RECORDINGS_DIRECTORY": str(spool),
    }  # fmt: skip
    nodes = [NodeProcess(name=f"worker-{n}", roles="worker", log_dir=tmp_path, env=env)
             for n in "abc"]  # fmt: skip
    try:
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def recorded(archive: RecordingArchive, count: int) -> set[int]:
    """``count`` finished recordings with their files, started at the archive's time."""
    ids = set()
    for n in range(count):
        opened = await archive.open(call_id=f"pbx2-1577000000.{n}", queue="hotline")
        write_wav(archive.path_of(opened.recording), 0.2)
        ids.add((await archive.finish(opened.recording.id)).id)
    return ids


async def indexed(crm: Crm) -> set[int]:
    """The ids of every recording still in the index."""
    far = datetime.now(UTC) + timedelta(days=1)
    return {view.id for view in await crm.recordings.older_than(far)}


def files_in(directory: Path) -> list[str]:
    """Every file left in the spool, moved-aside ones included."""
    return sorted(path.name for path in directory.rglob("*") if path.is_file())


async def test_a_killed_or_paused_worker_hands_the_purge_over_and_nothing_is_lost(
    postgres_url: str, workers: list[NodeProcess], spool: Path
) -> None:
    crm = build_crm(database_url=postgres_url)
    past = RecordingArchive(index=crm.recordings, directory=spool, clock=Clock(LONG_AGO))
    today = RecordingArchive(index=crm.recordings, directory=spool)
    try:
        kept = await recorded(today, 1)
        kept_files = files_in(spool)
        await recorded(past, 3)

        async def only_kept() -> bool:
            return await indexed(crm) == kept and files_in(spool) == kept_files

        first_pair = workers[:2]
        for node in first_pair:
            node.start()
        await until(only_kept, within=60)
        lease = await lease_named(crm, JOB_LEASE)
        holder = holder_node(lease, first_pair)
        assert lease is not None and holder is not None
        other = next(node for node in first_pair if node is not holder)

        holder.signal(signal.SIGKILL)
        holder.wait_gone()
        await recorded(past, 2)

        taken_over = taken_by(crm, JOB_LEASE, lease, [other])

        await until(taken_over, within=LEASE_SECONDS + LEASE_SECONDS / 3 + 1)
        await until(only_kept, within=30)

        paused = other
        before = await lease_named(crm, JOB_LEASE)
        assert before is not None
        paused.signal(signal.SIGSTOP)
        third = workers[2].start()

        third_holds = taken_by(crm, JOB_LEASE, before, [third])

        await until(third_holds, within=60)
        await recorded(past, 2)
        await until(only_kept, within=30)
        paused.signal(signal.SIGCONT)

        async def paused_stopped() -> bool:
            return f"stopped running singleton {RETENTION_PURGE}" in paused.log_text()

        await until(paused_stopped, within=30)
        woke = paused.log_text()
        assert "was refused" in woke or f"lease {JOB_LEASE} lost" in woke
        await recorded(past, 1)
        await until(only_kept, within=30)
        assert holder_node(await lease_named(crm, JOB_LEASE), [third]) is not None
    finally:
        await crm.close()
