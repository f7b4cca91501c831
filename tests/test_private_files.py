"""Files holding personal data are their owner's alone: the SQLite database with its -wal
and -shm, exports, recording archives and AMI captures are created mode 600 (folders 700),
whatever the umask; the service warns at start about those others can read."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.db.engine import Database
from crm_core.db.migrate import upgrade
from crm_core.io import export_members
from crm_core.wiring import build_crm
from cti.ami.capture import StreamRecorder
from cti.service import CtiService
from cti.settings import DatabaseSettings, RecordingsSettings, Settings
from recordings.archive import RecordingArchive
from recordings.export import export_recordings
from tests.recordings.test_recordings_archive import write_wav


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """The usual umask, which lets everybody read new files: the modes must not depend on it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_a_new_sqlite_database_and_its_wal_and_shm_are_the_owners_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "crm.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    crm = build_crm(database_url=url)
    try:
        await crm.users.add({"login": "alice", "display_name": "Alice", "role": "agent"})
        wal, shm = path.with_name("crm.db-wal"), path.with_name("crm.db-shm")
        assert wal.exists() and shm.exists()
        assert [mode(p) for p in (path, wal, shm)] == [0o600, 0o600, 0o600]
        assert mode(path.parent) == 0o700
    finally:
        await crm.close()


async def test_exports_and_recording_archives_are_the_owners_alone(
    sqlite_url: str, tmp_path: Path
) -> None:
    crm = build_crm(database_url=sqlite_url)
    try:
        archive = RecordingArchive(index=crm.recordings, directory=tmp_path / "spool")
        opened = await archive.open(call_id="1700000000.1", queue="hotline")
        write_wav(archive.path_of(opened.recording), 1)
        await archive.finish(opened.recording.id)
        await export_recordings(archive, {}, tmp_path / "out")
        await export_recordings(archive, {}, tmp_path / "all.tar.gz", as_archive=True)
        await export_members(crm, tmp_path / "members.csv")
    finally:
        await crm.close()
    exported = sorted((tmp_path / "out").rglob("*"))
    assert exported and {mode(p) for p in exported if p.is_file()} == {0o600}
    assert {mode(p) for p in [tmp_path / "out", *exported] if p.is_dir()} == {0o700}
    assert mode(tmp_path / "all.tar.gz") == 0o600
    assert mode(tmp_path / "members.csv") == 0o600


def test_an_ami_capture_is_the_owners_alone(tmp_path: Path) -> None:
    with StreamRecorder(tmp_path / "capture.ami") as recorder:
        recorder.write(b"Asterisk Call Manager/7.0.3\r\n")
    assert mode(tmp_path / "capture.ami") == 0o600


async def test_the_service_warns_at_start_about_files_others_can_read(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    os.chmod(database, 0o644)
    spool = tmp_path / "spool"
    spool.mkdir(mode=0o755)
    settings = Settings(
        database=DatabaseSettings(url=sqlite_url),
        recordings=RecordingsSettings(directory=str(spool)),
    )
    with caplog.at_level(logging.WARNING):
        service = CtiService(settings)
    warned = [r.getMessage() for r in caplog.records if "readable by others" in r.getMessage()]
    assert any(str(database) in message and "644" in message for message in warned)
    assert any(str(spool) in message for message in warned)
    os.chmod(database, 0o600)
    os.chmod(spool, 0o700)
    caplog.clear()
    await service.crm.close()
    with caplog.at_level(logging.WARNING):
        quiet = Database(sqlite_url)
    await quiet.dispose()
    assert not [r for r in caplog.records if "readable by others" in r.getMessage()]
