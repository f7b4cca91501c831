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

A worker's purge (:func:`purge` with ``fenced``, one process of the site under its
lease) deletes each row and moves its file aside in one transaction run after the
lease's fence: the fence keeps the lease row locked until that transaction ends, so a
takeover waits for the move, and a holder whose lease moved on has its transaction
refused before it touches a file (:class:`StaleEpochError`, raised to end the round).
As the worker may not see the recordings' files, a row whose file it cannot find is
kept (reported as failed) unless the index says the file was missing already, and a
file another purge has moved aside is left to that purge. What a worker's crash left
moved aside, the next holder settles first (:func:`recover_set_aside_fenced`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from crm_core.errors import CrmError, NotFoundError
from crm_core.leases.exceptions import StaleEpochError
from crm_core.recording_index.models import Recording, RecordingStatus
from crm_core.recording_index.schemas import MAX_PAGE, RecordingView
from crm_core.recording_index.services import delete_recording

if TYPE_CHECKING:
    from recordings.archive import RecordingArchive

log = logging.getLogger(__name__)
ASIDE = ".purging-"
"""Infix of a file moved aside by a purge: ``<name>.purging-<recording id>``."""

Fenced = Callable[[Callable[[Session], int]], Awaitable[int]]
"""Runs a write in one transaction after a lease's fence (``NodeLeases.fenced``)."""


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


def _fenced_set_aside(recording: RecordingView, path: Path, aside: Path) -> int:
    """:func:`_set_aside` for a worker: an :class:`OSError` (the recording kept) when the
    file is not there unless the index says it was missing, or another purge moved it."""
    if not os.path.lexists(path):
        if os.path.lexists(aside):
            raise FileExistsError(f"{aside}: another purge of this recording is in flight")
        if recording.status is not RecordingStatus.MISSING:
            raise FileNotFoundError(f"{path} is not on this node's disk")
    return _set_aside(path, aside)


async def _purge_one_fenced(
    archive: RecordingArchive, recording: RecordingView, fenced: Fenced
) -> int | None:
    """Purge one recording under a lease; the bytes freed, or ``None`` when it was kept.
    :class:`StaleEpochError` (nothing done) when the lease is no longer this holder's."""
    path = archive.path_of(recording)
    aside = path.with_name(f"{path.name}{ASIDE}{recording.id}")
    moved = False

    def forget(session: Session) -> int:
        nonlocal moved
        delete_recording(session, recording.id)
        size = _fenced_set_aside(recording, path, aside)
        moved = True
        return size

    try:
        size = await fenced(forget)
    except StaleEpochError:
        raise  # refused at the fence, before any file was touched
    except Exception as error:
        if moved:  # the transaction failed after the move: its row is still there
            _put_back(aside, path)
        if isinstance(error, OSError):
            log.error("recording %d kept: its file could not be removed: %s", recording.id, error)
        elif isinstance(error, CrmError):  # put on legal hold meanwhile, or purged already
            log.info("kept recording %d: %s", recording.id, error)
        else:
            log.exception("recording %d kept: its row could not be deleted", recording.id)
        return None
    try:
        aside.unlink(missing_ok=True)
    except OSError as error:
        log.error("purged recording %d left %s behind (%s)", recording.id, aside, error)
    return size


async def purge(
    archive: RecordingArchive,
    older_than: timedelta,
    *,
    dry_run: bool,
    fenced: Fenced | None = None,
) -> PurgeReport:
    """Delete every recording started more than ``older_than`` ago, never one on legal
    hold; with ``fenced``, each under a lease (see above)."""
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
            size = await (
                _purge_one(archive, recording)
                if fenced is None
                else _purge_one_fenced(archive, recording, fenced)
            )
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


def _set_aside_files(directory: Path) -> list[tuple[Path, str, int]]:
    """Every file a purge moved aside under ``directory``: (its path, its own name, the
    recording's id)."""
    found = []
    for aside in sorted(directory.rglob(f"*.wav{ASIDE}*")):
        name, _, number = aside.name.rpartition(ASIDE)
        if number.isdigit() and aside.is_file():
            found.append((aside, name, int(number)))
    return found


async def recover_set_aside(archive: RecordingArchive) -> int:
    """Finish purges a crash interrupted; how many files were removed or put back."""
    handled = 0
    for aside, name, recording_id in _set_aside_files(archive.directory):
        try:
            await archive.index.get(recording_id)
        except NotFoundError:
            aside.unlink(missing_ok=True)
        else:
            _put_back(aside, aside.with_name(name))
        handled += 1
    return handled


async def recover_set_aside_fenced(archive: RecordingArchive, fenced: Fenced) -> int:
    """:func:`recover_set_aside` for a worker that has just taken the purge's lease: each
    file is settled in a transaction after the fence, so no other purge is between its
    move and its commit; how many files were removed or put back."""
    found = await asyncio.to_thread(_set_aside_files, archive.directory)  # a large tree

    def settle(session: Session, aside: Path, name: str, recording_id: int) -> int:
        if session.get(Recording, recording_id) is None:
            aside.unlink(missing_ok=True)
        else:
            _put_back(aside, aside.with_name(name))
        return 1

    handled = 0
    for aside, name, recording_id in found:
        handled += await fenced(functools.partial(
            settle, aside=aside, name=name, recording_id=recording_id))  # fmt: skip
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


__all__ = [
    "ASIDE", "Fenced", "PurgeReport", "close_interrupted", "purge", "recover_set_aside",
    "recover_set_aside_fenced",
]  # fmt: skip
