"""Exporting recordings (by date range, queue, agent…) to a directory or a .tar.gz archive.

An export is its owner's alone: the archive, the folder, its files and manifest are
created mode 600 (folders 700). Each export carries ``manifest.csv``: one row per
recording with its call, agent, member, times, duration, checksum and status; missing
files are listed, not fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_core.db.private import open_private, private_directory
from crm_core.recording_index.schemas import MAX_PAGE, RecordingView
from recordings.archive import RecordingArchive

Progress = Callable[[int, int], None]
MANIFEST = "manifest.csv"
COLUMNS = (
    "id", "file_name", "call_id", "queue", "agent_login", "member_number", "started_at",
    "duration_seconds", "size_bytes", "sha256", "status", "legal_hold", "exported",
)  # fmt: skip


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    destination: Path
    exported: int
    missing: list[int]
    total_bytes: int


def _manifest(rows: list[tuple[RecordingView, bool]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for recording, exported in rows:
        values: dict[str, Any] = {**recording.__dict__, "exported": exported}
        writer.writerow(["" if values[c] is None else values[c] for c in COLUMNS])
    return text.getvalue().encode("utf-8")


def _copy_private(source: Path, target: Path) -> None:
    """Copy a recording into an export, readable by its owner alone (folders too)."""
    private_directory(target.parent)
    with source.open("rb") as reader, open_private(target, "wb") as writer:
        shutil.copyfileobj(reader, writer)


def _write(
    archive: RecordingArchive,
    recordings: list[RecordingView],
    destination: Path,
    as_archive: bool,
    progress: Progress | None,
) -> ExportReport:
    rows: list[tuple[RecordingView, bool]] = []
    missing: list[int] = []
    total = 0
    with contextlib.ExitStack() as stack:
        tar = None
        if as_archive:
            file = stack.enter_context(open_private(destination, "wb"))
            tar = stack.enter_context(tarfile.open(fileobj=file, mode="w:gz"))
        else:
            private_directory(destination)
        for done, recording in enumerate(recordings, start=1):
            source = archive.path_of(recording)
            if source.is_file():
                if tar is not None:
                    tar.add(source, arcname=recording.file_name)
                else:
                    _copy_private(source, destination / recording.file_name)
                total += source.stat().st_size
                rows.append((recording, True))
            else:
                missing.append(recording.id)
                rows.append((recording, False))
            if progress is not None:
                progress(done, len(recordings))
        manifest = _manifest(rows)
        if tar is not None:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(manifest)
            tar.addfile(info, io.BytesIO(manifest))
        else:
            with open_private(destination / MANIFEST, "wb") as out:
                out.write(manifest)
    return ExportReport(destination, len(rows) - len(missing), missing, total)


async def matching(archive: RecordingArchive, query: dict[str, Any]) -> list[RecordingView]:
    """Every recording matching ``query``, newest first, read a page at a time (no cap)."""
    found: list[RecordingView] = []
    last: RecordingView | None = None
    while page := await archive.index.search({**query, "limit": MAX_PAGE}, after=last):
        found.extend(page)
        last = page[-1]
    return found


async def export_recordings(
    archive: RecordingArchive,
    query: dict[str, Any],
    destination: Path,
    *,
    as_archive: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Copy the recordings matching ``query`` to ``destination`` (a directory or .tar.gz).

    The copying runs in a worker thread; ``progress(done, total)`` is called from it.
    """
    recordings = await matching(archive, query)
    return await asyncio.to_thread(_write, archive, recordings, destination, as_archive, progress)


__all__ = ["ExportReport", "export_recordings", "matching"]
