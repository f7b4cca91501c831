"""The recordings directory and its index together: open, finish, fetch and purge recordings.

Files are found only through the index (``file_name`` made by :mod:`recordings.naming`);
nothing a request carries is ever joined onto the file system.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from crm_core.db.types import utcnow
from crm_core.errors import NotFoundError
from crm_core.recording_index.models import RecordingStatus
from crm_core.recording_index.schemas import RecordingView
from crm_core.recording_index.services import RecordingIndex
from recordings import retention
from recordings.naming import asterisk_path, new_file_name, resolve
from recordings.retention import PurgeReport
from recordings.wav import inspect

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class RecordingFileMissingError(NotFoundError):
    """The recording is indexed but its file is not on disk (moved, purged, never written)."""

    status = 404
    error_id = "recording-file-missing"


@dataclass(frozen=True)
class Opened:
    """A recording just indexed, and the file name to hand to Asterisk's MixMonitor."""

    recording: RecordingView
    asterisk_file: str


class RecordingArchive:
    """Recordings under ``directory`` (where this process reads them), indexed in the CRM.

    ``asterisk_directory`` is the same directory as Asterisk sees it (different inside a
    chroot sandbox, the same on a real server).
    """

    def __init__(
        self,
        *,
        index: RecordingIndex,
        directory: Path,
        asterisk_directory: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.index = index
        self.directory = directory
        self.asterisk_directory = asterisk_directory or str(directory)
        self.clock = clock

    async def open(
        self,
        *,
        call_id: str,
        queue: str | None = None,
        campaign: str | None = None,
        agent_login: str | None = None,
        member_number: str | None = None,
    ) -> Opened:
        """Index a new recording of ``call_id``; the file name Asterisk should write."""
        started_at = self.clock()
        file_name = new_file_name(started_at)
        view = await self.index.open(
            {
                "file_name": file_name,
                "call_id": call_id,
                "queue": queue,
                "campaign": campaign,
                "agent_login": agent_login,
                "member_number": member_number,
                "started_at": started_at,
            }
        )
        return Opened(view, asterisk_path(self.asterisk_directory, file_name))

    def path_of(self, recording: RecordingView) -> Path:
        """The file of an indexed recording (from its indexed name only)."""
        return resolve(self.directory, recording.file_name)

    async def finish(self, recording_id: int, *, ended_at: datetime | None = None) -> RecordingView:
        """Read the finished file and record its duration, size and checksum (or its damage).

        ``ended_at`` is when the recording ended (now when not given).
        """
        recording = await self.index.get(recording_id)
        facts = inspect(self.path_of(recording))
        if not facts.exists:
            status = RecordingStatus.MISSING
        elif facts.problem is not None:
            status = RecordingStatus.TRUNCATED
        else:
            status = RecordingStatus.COMPLETE
        if facts.problem is not None:
            log.warning("recording %d (%s): %s", recording_id, recording.file_name, facts.problem)
        return await self.index.finish(
            recording_id,
            status=status,
            duration_seconds=facts.duration_seconds,
            size_bytes=facts.size_bytes,
            sha256=facts.sha256,
            problem=facts.problem,
            ended_at=ended_at,
        )

    async def audio(self, recording_id: int) -> tuple[RecordingView, Path]:
        """An indexed recording and its file; :class:`RecordingFileMissingError` if gone."""
        recording = await self.index.get(recording_id)
        path = self.path_of(recording)
        if not path.is_file():
            raise RecordingFileMissingError(
                f"the file of recording {recording_id} is not on disk", recording_id=recording_id
            )
        return recording, path

    async def purge(self, older_than: timedelta, *, dry_run: bool = False) -> PurgeReport:
        """Delete recordings started more than ``older_than`` ago, never one on legal hold.

        The file goes before the row (see :mod:`recordings.retention`); a recording whose
        file cannot be removed is kept and listed in ``failed``.
        """
        return await retention.purge(self, older_than, dry_run=dry_run)


__all__ = ["Opened", "PurgeReport", "RecordingArchive", "RecordingFileMissingError"]
