"""Retention keeps the index and the files in step: a purge removes the file before it
forgets the row (a failure keeps both), a recording a crash left open is closed and then
purged like any other, and an export takes every match, not the first thousand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from crm_core.errors import NotFoundError
from crm_core.recording_index.models import RecordingStatus
from crm_core.wiring import Crm
from cti.ami import AmiClient
from cti.bus.callers import CallerMatch
from cti.bus.directory import AgentDirectory
from cti.bus.legs import CallLegs
from cti.model import CallCentreModel
from cti.recordings.services import RecordingService
from cti.settings import AmiSettings
from recordings.archive import RecordingArchive
from recordings.export import export_recordings
from recordings.policy import RecordingPolicies
from recordings.retention import ASIDE, recover_set_aside
from tests.conftest import Clock
from tests.recordings.test_recordings_archive import write_wav

NINETY_DAYS = timedelta(days=90)


class NoCallers:
    """The caller lookup of a service that has seen no calls (none is live after a crash)."""

    async def result(
        self, call_id: str, caller: str, did: str, verified_member: str = ""
    ) -> CallerMatch:
        return CallerMatch(caller, did or None, None, None, None)

    def known(self, call_id: str) -> CallerMatch | None:
        return None

    def forget(self, call_id: str) -> None:
        return None


@pytest.fixture
def archive(any_crm: Crm, clock: Clock, tmp_path: Path) -> RecordingArchive:
    """The archive over a spool directory, indexed on SQLite and then on PostgreSQL."""
    return RecordingArchive(index=any_crm.recordings, directory=tmp_path / "spool", clock=clock)


def recorder_after_restart(crm: Crm, archive: RecordingArchive) -> RecordingService:
    """The recording service as a restarted process has it: nothing running, no live call."""
    client = AmiClient(AmiSettings())
    model = CallCentreModel()
    return RecordingService(
        client=client, legs=CallLegs(client=client, model=model), archive=archive,
        policies=RecordingPolicies(), agents=AgentDirectory(users=crm.users), callers=NoCallers(),
    )  # fmt: skip


async def finished(archive: RecordingArchive, call_id: str) -> int:
    opened = await archive.open(call_id=call_id, queue="hotline")
    write_wav(archive.path_of(opened.recording), 1)
    return (await archive.finish(opened.recording.id)).id


async def test_a_purge_that_cannot_remove_a_file_keeps_its_row(
    archive: RecordingArchive, clock: Clock
) -> None:
    stuck = await finished(archive, "1700000000.1")
    gone = await finished(archive, "1700000000.2")
    # Something that is not a regular file sits where the recording should be.
    path = archive.path_of(await archive.index.get(stuck))
    path.unlink()
    (path / "inside").mkdir(parents=True)
    clock.advance(days=100)

    report = await archive.purge(NINETY_DAYS)

    assert [r.id for r in report.deleted] == [gone] and report.failed == [stuck]
    assert (await archive.index.get(stuck)).id == stuck and path.is_dir()
    with pytest.raises(NotFoundError):
        await archive.index.get(gone)
    assert list(archive.directory.rglob(f"*{ASIDE}*")) == []


async def test_a_purge_a_crash_interrupted_is_finished_at_the_next_start(
    archive: RecordingArchive,
) -> None:
    forgotten = await archive.index.get(await finished(archive, "1700000000.1"))
    kept = await archive.index.get(await finished(archive, "1700000000.2"))
    for recording in (forgotten, kept):
        path = archive.path_of(recording)
        path.rename(path.with_name(f"{path.name}{ASIDE}{recording.id}"))
    await archive.index.delete(forgotten.id)  # the crash came after the row went

    assert await recover_set_aside(archive) == 2
    assert archive.path_of(kept).is_file()
    assert [p.name for p in archive.directory.rglob("*") if p.is_file()] == [
        archive.path_of(kept).name
    ]


async def test_a_recording_left_open_by_a_crash_is_closed_and_falls_under_retention(
    any_crm: Crm, archive: RecordingArchive, clock: Clock
) -> None:
    crashed = await archive.open(call_id="1700000000.1", queue="hotline")
    write_wav(archive.path_of(crashed.recording), 2)  # Asterisk wrote it; nobody indexed it
    lost = await archive.open(call_id="1700000000.2", queue="hotline")  # no file at all
    clock.advance(days=100)
    assert (await archive.purge(NINETY_DAYS, dry_run=True)).deleted == []

    recorder = recorder_after_restart(any_crm, archive)
    closed = {r.id: r for r in await recorder.tidy()}

    assert closed[crashed.recording.id].status is RecordingStatus.COMPLETE
    assert closed[crashed.recording.id].duration_seconds == 2.0
    assert closed[lost.recording.id].status is RecordingStatus.MISSING
    assert closed[lost.recording.id].ended_at == lost.recording.started_at
    report = await archive.purge(NINETY_DAYS)
    assert {r.id for r in report.deleted} == {crashed.recording.id, lost.recording.id}
    assert not archive.path_of(crashed.recording).exists()
    assert await recorder.tidy() == []


async def test_an_export_takes_every_matching_recording_past_a_thousand(
    archive: RecordingArchive, tmp_path: Path
) -> None:
    # All opened at the same instant (the clock stands still): pages must not skip ties.
    ids = {(await archive.open(call_id=f"1700000000.{n}")).recording.id for n in range(1005)}
    report = await export_recordings(archive, {}, tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "manifest.csv").read_text())))
    assert {int(row["id"]) for row in rows} == ids and len(rows) == 1005
    assert len(report.missing) == 1005
