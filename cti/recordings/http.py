"""Recording routes: start/stop/PCI-pause on a live call, list, legal hold, audio playback.

Audio is served only from the index (the file name the service made), never from a path
in the request; a supervisor or the call's own agent may fetch it, others get 403.
Range requests are answered by aiohttp's file response (206 with ``Content-Range``).
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from crm_core.recording_index.schemas import RecordingList, RecordingView
from crm_core.staff.audit import AccessAction
from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from cti.http.auth import STAFF, SUPERVISORS
from cti.http.errors import ForbiddenError
from cti.http.parsing import json_body, path_id, query_params
from cti.http.routes import Caller, Route, Services, on_call
from cti.recordings.schemas import RECORDING, RECORDING_LIST, LegalHoldBody, RecordingsQuery
from recordings.access import may_listen
from recordings.archive import RecordingArchive


class RecordingActions(Protocol):
    """What the live-call routes call; the service's recording service."""

    async def start(self, user: UserView, call_id: str) -> RecordingView: ...
    async def stop(self, user: UserView, call_id: str) -> RecordingView: ...
    async def pause(self, user: UserView, call_id: str) -> RecordingView: ...
    async def resume(self, user: UserView, call_id: str) -> RecordingView: ...


def _recording_id(caller: Caller) -> int:
    return path_id(caller.request, "id")


def recording_routes(recorder: RecordingActions, archive: RecordingArchive) -> tuple[Route, ...]:
    """The recording routes over the service's recorder and the archive."""

    start = on_call("start_recording", recorder.start)
    stop = on_call("stop_recording", recorder.stop)
    pause = on_call("pause_recording", recorder.pause)
    resume = on_call("resume_recording", recorder.resume)

    async def list_recordings(_services: Services, caller: Caller) -> RecordingList:
        """Recordings, newest first; an agent sees only their own calls'."""
        query = query_params(caller.request, RecordingsQuery)
        agent = query.agent
        if caller.staff.role is Role.AGENT:
            if agent not in (None, caller.staff.login):
                raise ForbiddenError("agents may list only their own recordings")
            agent = caller.staff.login
        found = await archive.index.search(
            {"since": query.since, "until": query.until, "queue": query.queue,
             "agent_login": agent, "member_number": query.member_no,
             "call_id": query.call_id, "limit": query.limit}
        )  # fmt: skip
        return RecordingList(found)

    async def _allowed(caller: Caller) -> RecordingView:
        recording = await archive.index.get(_recording_id(caller))
        if not may_listen(caller.staff, recording):
            raise ForbiddenError("only a supervisor or the call's own agent may listen")
        return recording

    async def show(_services: Services, caller: Caller) -> RecordingView:
        """One recording's index entry."""
        return await _allowed(caller)

    async def audio(services: Services, caller: Caller) -> web.StreamResponse:
        """The recording's WAV file (range requests supported); each request is audited."""
        recording = await _allowed(caller)
        _view, path = await archive.audio(recording.id)
        await services.crm.access_audit.record(
            caller.staff.login, AccessAction.RECORDING_PLAYED,
            address=caller.request.remote, subject=str(recording.id),
            detail=caller.request.headers.get("Range"),
        )  # fmt: skip
        return web.FileResponse(path, headers={"Content-Type": "audio/wav"})

    async def legal_hold(services: Services, caller: Caller) -> RecordingView:
        """Put a recording on legal hold, or release it; audited with the user."""
        body = await json_body(caller.request, LegalHoldBody)
        changed = await archive.index.set_legal_hold(
            _recording_id(caller), hold=body.hold, reason=body.reason
        )
        action = AccessAction.LEGAL_HOLD_SET if body.hold else AccessAction.LEGAL_HOLD_RELEASED
        await services.crm.access_audit.record(
            caller.staff.login, action, address=caller.request.remote,
            subject=str(changed.id), detail=body.reason,
        )  # fmt: skip
        return changed

    live = (403, 404, 409, 503)
    call = "/api/calls/{id}/recording"
    return (
        Route("POST", f"{call}/start", start, "Start recording the call", roles=STAFF,
              response=RECORDING, errors=live),
        Route("POST", f"{call}/stop", stop, "Stop recording the call", roles=STAFF,
              response=RECORDING, errors=live),
        Route("POST", f"{call}/pause", pause, "PCI pause: mute the recording", roles=STAFF,
              response=RECORDING, errors=live),
        Route("POST", f"{call}/resume", resume, "End the PCI pause", roles=STAFF,
              response=RECORDING, errors=live),
        Route("GET", "/api/recordings", list_recordings, "Recordings, newest first",
              roles=STAFF, query=RecordingsQuery, response=RECORDING_LIST, errors=(400,)),
        Route("GET", "/api/recordings/{id}", show, "One recording", roles=STAFF,
              response=RECORDING, errors=(400, 404)),
        Route("GET", "/api/recordings/{id}/audio", audio, "The recording's audio (WAV)",
              roles=STAFF, media_type="audio/wav", errors=(400, 404, 416)),
        Route("POST", "/api/recordings/{id}/legal-hold", legal_hold,
              "Set or clear a legal hold", roles=SUPERVISORS, body=LegalHoldBody,
              response=RECORDING, errors=(400, 404, 422)),
    )  # fmt: skip


__all__ = ["RecordingActions", "RecordingsQuery", "recording_routes"]
