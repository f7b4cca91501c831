"""Retention of the recordings: purge old ones, and close those a crash left open.

A purge removes the file first and forgets its row only once the file is gone, so a
failure never leaves a file that nothing indexes (personal data no purge would find):

1. the file is moved aside (``<name>.purging-<id>``, same directory); if it cannot be,
   the recording is kept and reported as failed;
2. the row is deleted; if that is refused (put on legal hold meanwhile) or fails, the
   file is moved back and the recording is kept;
3. the moved file is unlinked.

A file left moved aside by a crash between 2 and 3 (or 1 and 2) is removed, or put back
when its row is still there, by :func:`recover_set_aside` at the next start.

A recording whose call ended while the service was down stays ``recording`` in the
index, and purges skip those: :func:`close_interrupted` closes it from what its file
holds, so it falls under retention like any other.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crm_core.errors import CrmError, NotFoundError
from crm_core.recording_index.models import RecordingStatus
from crm_core.recording_index.schemas import MAX_PAGE, RecordingView

if TYPE_CHECKING:
    from recordings.archive import RecordingArchive

log = logging.getLogger(__name__)
ASIDE = ".purging-"
"""Infix of a file moved aside by a purge: ``<name>.purging-<recording id>``."""


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or would remove), what it kept because of legal hold, and
    what it could not remove."""

    deleted: list[RecordingView]
    bytes_freed: int
    kept_on_hold: int
    dry_run: bool
    failed: list[int] = field(default_factory=list)
    """Recordings kept because their file could not be removed (logged)."""


def _set_aside(path: Path, aside: Path) -> int:
    """Move the regular file ``path`` to ``aside``; its size (0 when there is no file)."""
    try:
        facts = path.lstat()
    except FileNotFoundError:
        return 0
    if not stat.S_ISREG(facts.st_mode):
        raise IsADirectoryError(f"{path} is not a regular file")
    os.replace(path, aside)
    return facts.st_size


def _put_back(aside: Path, path: Path) -> None:
    try:
        if aside.exists():
            os.replace(aside, path)
    except OSError:
        log.critical("recording file %s could not be moved back to %s", aside, path)


async def _purge_one(archive: RecordingArchive, recording: RecordingView) -> int | None:
    """Purge one recording; the bytes freed, or ``None`` when it was kept."""
    path = archive.path_of(recording)
    aside = path.with_name(f"{path.name}{ASIDE}{recording.id}")
    try:
        size = _set_aside(path, aside)
    except OSError as error:
        log.error("recording %d kept: its file could not be removed: %s", recording.id, error)
        return None
    try:
        await archive.index.delete(recording.id)
    except CrmError as error:  # put on legal hold meanwhile: keep it
        _put_back(aside, path)
        log.info("kept recording %d: %s", recording.id, error)
        return None
    except Exception:
        _put_back(aside, path)
        log.exception("recording %d kept: its row could not be deleted", recording.id)
        return None
    try:
        aside.unlink(missing_ok=True)
    except OSError as error:
        log.error("purged recording %d left %s behind (%s)", recording.id, aside, error)
    return size


async def _count_held(archive: RecordingArchive, before: datetime) -> int:
    held = 0
    last: RecordingView | None = None
    query = {"until": before, "legal_hold": True, "limit": MAX_PAGE}
    while page := await archive.index.search(query, after=last):
        held += len(page)
        last = page[-1]
    return held


async def purge(archive: RecordingArchive, older_than: timedelta, *, dry_run: bool) -> PurgeReport:
    """Delete every recording started more than ``older_than`` ago, never one on legal hold."""
    before = archive.clock() - older_than
    deleted: list[RecordingView] = []
    failed: list[int] = []
    freed = 0
    last: RecordingView | None = None
    while page := await archive.index.older_than(before, limit=MAX_PAGE, after=last):
        last = page[-1]
        for recording in page:
            if dry_run:
                deleted.append(recording)
                freed += recording.size_bytes or 0
                continue
            size = await _purge_one(archive, recording)
            if size is None:
                failed.append(recording.id)
            else:
                deleted.append(recording)
                freed += size
    held = await _count_held(archive, before)
    failed = [recording_id for recording_id in failed if not await _on_hold(archive, recording_id)]
    return PurgeReport(deleted, freed, held, dry_run, failed)


async def _on_hold(archive: RecordingArchive, recording_id: int) -> bool:
    try:
        return (await archive.index.get(recording_id)).legal_hold
    except NotFoundError:
        return False


async def recover_set_aside(archive: RecordingArchive) -> int:
    """Finish purges a crash interrupted; how many files were removed or put back."""
    handled = 0
    for aside in sorted(archive.directory.rglob(f"*.wav{ASIDE}*")):
        name, _, number = aside.name.rpartition(ASIDE)
        if not number.isdigit() or not aside.is_file():
            continue
        try:
            await archive.index.get(int(number))
        except NotFoundError:
            aside.unlink(missing_ok=True)
        else:
            _put_back(aside, aside.with_name(name))
        handled += 1
    return handled


async def close_interrupted(
    archive: RecordingArchive, *, skip: Callable[[RecordingView], bool]
) -> list[RecordingView]:
    """Close every recording still marked ``recording`` except those ``skip`` names (live).

    Each is judged from its file, ended when the file was last written (its start when
    there is no file).
    """
    closed: list[RecordingView] = []
    last: RecordingView | None = None
    query = {"status": RecordingStatus.RECORDING, "limit": MAX_PAGE}
    while page := await archive.index.search(query, after=last):
        last = page[-1]
        for recording in page:
            if skip(recording):
                continue
            path = archive.path_of(recording)
            try:
                ended_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError:
                ended_at = recording.started_at
            closed.append(
                await archive.finish(recording.id, ended_at=max(ended_at, recording.started_at))
            )
            log.warning(
                "recording %d left open (crash?) closed as %s", recording.id, closed[-1].status
            )
    return closed


__all__ = ["ASIDE", "PurgeReport", "close_interrupted", "purge", "recover_set_aside"]
