"""The recordings package on a real database and real files: WAV facts, safe names, the
index with PCI pauses, legal holds, purge, export and the ``ctidesk recordings`` commands."""

from __future__ import annotations

import asyncio
import csv
import io
import tarfile
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_core.errors import ConflictError, InvalidInputError
from crm_core.wiring import Crm, build_crm
from cti.cli import app
from recordings.archive import RecordingArchive, RecordingFileMissingError
from recordings.export import export_recordings
from recordings.naming import UnsafeFileNameError, check_file_name, new_file_name, resolve
from recordings.policy import Policy, RecordingPolicies
from recordings.wav import inspect
from tests.conftest import Clock


def write_wav(path: Path, seconds: float, rate: int = 8000) -> bytes:
    """A real 16-bit mono WAV of ``seconds`` of silence; its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return path.read_bytes()


@pytest.fixture
def archive(any_crm: Crm, clock: Clock, tmp_path: Path) -> RecordingArchive:
    """The archive over a spool directory, indexed on SQLite and then on PostgreSQL."""
    return RecordingArchive(
        index=any_crm.recordings, directory=tmp_path / "spool", asterisk_directory="/var/spool/x",
        clock=clock,
    )  # fmt: skip


def test_wav_facts_of_sound_cut_and_missing_files(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    write_wav(good, 2.5)
    facts = inspect(good)
    assert facts.complete and facts.duration_seconds == 2.5 and facts.size_bytes == 44 + 40000

    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:20044])
    facts = inspect(cut)
    assert not facts.complete and "truncated" in (facts.problem or "")
    assert facts.duration_seconds == pytest.approx(1.25)

    unfinished = tmp_path / "unfinished.wav"
    data = bytearray(good.read_bytes())
    data[40:44] = b"\0\0\0\0"  # Asterisk died before fixing the header
    unfinished.write_bytes(bytes(data))
    assert "never finalised" in (inspect(unfinished).problem or "")

    noise = tmp_path / "noise.wav"
    noise.write_bytes(b"hello")
    assert "not a WAV" in (inspect(noise).problem or "")
    missing = inspect(tmp_path / "nope.wav")
    assert not missing.exists and missing.problem is not None and "missing" in missing.problem


def test_file_names_are_ours_and_never_leave_the_directory(tmp_path: Path, clock: Clock) -> None:
    first, second = new_file_name(clock()), new_file_name(clock())
    assert first != second and check_file_name(first) == first
    assert first.startswith("2026/03/02/20260302-090000-")
    for bad in ("../etc/passwd.wav", "/etc/passwd.wav", "a/../../b.wav", "a/b.mp3",
                "a//b.wav", "x.wav\n", "a\\..\\b.wav", ".hidden.wav", ""):  # fmt: skip
        with pytest.raises(UnsafeFileNameError):
            resolve(tmp_path, bad)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "2026").symlink_to(tmp_path)
    with pytest.raises(UnsafeFileNameError):
        resolve(tmp_path / "root", "2026/escape.wav")


def test_policies_by_campaign_then_queue_then_default() -> None:
    policies = RecordingPolicies(
        queues={"vip": Policy.ALL, "pc": Policy.NONE}, campaigns={"care": Policy.NONE},
        default=Policy.ON_DEMAND,
    )  # fmt: skip
    assert policies.for_call(queue="vip") is Policy.ALL
    assert policies.for_call(queue="vip", campaign="care") is Policy.NONE
    assert policies.for_call(queue="hotline") is Policy.ON_DEMAND
    assert policies.for_call() is Policy.ON_DEMAND


async def test_the_index_follows_a_recording_from_start_to_file(
    archive: RecordingArchive, clock: Clock
) -> None:
    opened = await archive.open(call_id="1700000000.1", queue="hotline", agent_login="agent1")
    assert opened.asterisk_file == f"/var/spool/x/{opened.recording.file_name}"
    clock.advance(seconds=5)
    await archive.index.pause(opened.recording.id, by="agent1")
    with pytest.raises(ConflictError):
        await archive.index.pause(opened.recording.id)
    clock.advance(seconds=20)
    await archive.index.resume(opened.recording.id)
    written = write_wav(archive.path_of(opened.recording), 30)
    done = await archive.finish(opened.recording.id)
    assert done.status.value == "complete" and done.duration_seconds == 30
    assert done.size_bytes == len(written)
    (pause,) = done.pauses
    assert pause.by == "agent1" and pause.resumed_at is not None
    assert (pause.resumed_at - pause.paused_at).total_seconds() == 20

    lost = await archive.open(call_id="1700000000.2")
    gone = await archive.finish(lost.recording.id)
    assert gone.status.value == "missing" and gone.size_bytes is None
    with pytest.raises(RecordingFileMissingError):
        await archive.audio(lost.recording.id)


async def test_purge_never_deletes_a_recording_on_legal_hold(
    archive: RecordingArchive, clock: Clock
) -> None:
    ids = []
    for n in range(3):
        opened = await archive.open(call_id=f"1700000000.{n}", queue="hotline")
        write_wav(archive.path_of(opened.recording), 1)
        ids.append((await archive.finish(opened.recording.id)).id)
    with pytest.raises(InvalidInputError):
        await archive.index.set_legal_hold(ids[0], hold=True, reason=" ")
    await archive.index.set_legal_hold(ids[0], hold=True, reason="complaint 2026-17")
    clock.advance(days=100)
    recent = await archive.open(call_id="1700000001.0")
    write_wav(archive.path_of(recent.recording), 1)
    await archive.finish(recent.recording.id)

    preview = await archive.purge(timedelta(days=90), dry_run=True)
    assert {r.id for r in preview.deleted} == set(ids[1:]) and preview.kept_on_hold == 1
    assert all(archive.path_of(r).exists() for r in preview.deleted)

    report = await archive.purge(timedelta(days=90))
    assert {r.id for r in report.deleted} == set(ids[1:])
    assert report.bytes_freed == 2 * (44 + 16000)
    assert not any(archive.path_of(r).exists() for r in report.deleted)
    kept = await archive.index.get(ids[0])
    assert kept.legal_hold and archive.path_of(kept).exists()
    with pytest.raises(ConflictError):
        await archive.index.delete(ids[0])
    remaining = {r.id for r in await archive.index.search({})}
    assert remaining == {ids[0], recent.recording.id}


async def test_export_to_a_directory_and_to_an_archive_with_a_manifest(
    archive: RecordingArchive, tmp_path: Path
) -> None:
    for n, agent in enumerate(("agent1", "agent2", "agent1")):
        opened = await archive.open(call_id=f"1700000000.{n}", queue="hotline", agent_login=agent)
        if n < 2:
            write_wav(archive.path_of(opened.recording), 1)
        await archive.finish(opened.recording.id)
    seen: list[tuple[int, int]] = []
    report = await export_recordings(
        archive, {"agent_login": "agent1"}, tmp_path / "out",
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert report.exported == 1 and len(report.missing) == 1 and seen[-1] == (2, 2)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "manifest.csv").read_text())))
    assert {row["exported"] for row in rows} == {"True", "False"}
    exported = [row for row in rows if row["exported"] == "True"]
    assert (tmp_path / "out" / exported[0]["file_name"]).read_bytes()[:4] == b"RIFF"

    tar_report = await export_recordings(archive, {}, tmp_path / "all.tar.gz", as_archive=True)
    assert tar_report.exported == 2
    with tarfile.open(tmp_path / "all.tar.gz") as tar:
        names = tar.getnames()
        manifest = tar.extractfile("manifest.csv")
        assert manifest is not None
        assert len(list(csv.DictReader(io.TextIOWrapper(manifest)))) == 3
    assert len([n for n in names if n.endswith(".wav")]) == 2


def test_the_recordings_commands(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CTIDESK_RECORDINGS_DIRECTORY", str(spool))

    async def seed() -> int:
        crm = build_crm(database_url=sqlite_url)
        try:
            archive = RecordingArchive(index=crm.recordings, directory=spool)
            opened = await archive.open(call_id="1700000000.9", queue="hotline")
            write_wav(archive.path_of(opened.recording), 1)
            return (await archive.finish(opened.recording.id)).id
        finally:
            await crm.close()

    recording_id = asyncio.run(seed())
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["recordings", *args], env={"COLUMNS": "200"})
        return result.exit_code, result.output

    code, out = invoke("list")
    assert code == 0, out
    assert "1700000000.9" in out and "complete" in out
    code, out = invoke("hold", str(recording_id), "--reason", "dispute")
    assert code == 0 and "legal hold" in out
    code, out = invoke("purge", "--older-than", "0d")
    assert code == 0 and "deleted 0 recordings" in out and "kept 1 on legal hold" in out
    code, out = invoke("export", str(tmp_path / "x.tar.gz"), "--archive", "--queue", "hotline")
    assert code == 0 and "exported 1 recordings" in out
    assert tarfile.is_tarfile(tmp_path / "x.tar.gz")
    code, out = invoke("release", str(recording_id))
    assert code == 0
    code, out = invoke("purge", "--older-than", "0")
    assert code == 0 and "deleted 1 recordings" in out
    code, out = invoke("purge", "--older-than", "soon")
    assert code != 0
