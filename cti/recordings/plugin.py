"""Wiring of the recordings: policies, the archive, start/stop on live calls, the routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from crm_core.db.private import warn_if_exposed
from crm_core.wiring import Crm
from cti.bus.callers import Callers
from cti.bus.wiring import Wiring
from cti.recordings.http import recording_routes
from cti.recordings.services import RecordingService
from cti.settings import RecordingsSettings
from recordings.archive import RecordingArchive
from recordings.policy import Policy, RecordingPolicies


def archive_for(settings: RecordingsSettings, crm: Crm) -> RecordingArchive:
    """The recordings directory and index the settings name."""
    return RecordingArchive(
        index=crm.recordings,
        directory=Path(settings.directory),
        asterisk_directory=settings.asterisk_directory or None,
    )


def policies_for(settings: RecordingsSettings) -> RecordingPolicies:
    """The recording policies the settings name."""
    return RecordingPolicies(
        queues={name: Policy(value) for name, value in settings.queues.items()},
        campaigns={name: Policy(value) for name, value in settings.campaigns.items()},
        default=Policy(settings.default_policy),
    )


@dataclass(frozen=True)
class RecordingsDomain:
    """The recorder of live calls and the archive of their files."""

    recorder: RecordingService
    archive: RecordingArchive


def _tidying(recorder: RecordingService) -> Callable[[], Awaitable[None]]:
    async def tidy_after_resync() -> None:
        recorder.tidy_soon()

    return tidy_after_resync


def load(wiring: Wiring, *, callers: Callers) -> RecordingsDomain:
    """Record calls as their policy says; serve the list, the audio and legal holds; after
    each resync, close the recordings a crash left open."""
    settings = wiring.settings.recordings
    archive = archive_for(settings, wiring.crm)
    warn_if_exposed([archive.directory], "the recordings folder")
    recorder = RecordingService(
        client=wiring.client, legs=wiring.legs, archive=archive,
        policies=policies_for(settings), agents=wiring.agents, callers=callers,
    )  # fmt: skip
    wiring.listen(recorder)
    wiring.bridge.after_resync(_tidying(recorder))
    wiring.drain(recorder.drain)
    wiring.add_routes(recording_routes(recorder, archive))
    return RecordingsDomain(recorder=recorder, archive=archive)


__all__ = ["RecordingsDomain", "archive_for", "load", "policies_for"]
