"""Bodies, query and serialisers of the recording routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from crm_core.recording_index.schemas import RecordingList, RecordingView
from cti.http.schemas import PRINTABLE, RequestBody
from cti.http.serialisers import Serialiser

RECORDING = Serialiser(RecordingView, "Recording")
RECORDING_LIST = Serialiser(RecordingList, "RecordingList")


class RecordingsQuery(RequestBody):
    """Filters of the recording list (agents see only their own recordings)."""

    since: Annotated[AwareDatetime | None, Field(alias="from")] = None
    until: Annotated[AwareDatetime | None, Field(alias="to")] = None
    queue: str | None = Field(None, pattern=r"^[\w.-]{1,64}$")
    agent: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    member_no: str | None = Field(None, pattern=r"^[A-Z]-\d{8}$")
    call_id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    limit: int = Field(100, ge=1, le=1000)


class LegalHoldBody(RequestBody):
    """``{hold, reason?}``: put a recording on legal hold (reason required) or release it."""

    hold: bool
    reason: str | None = Field(None, max_length=200, pattern=PRINTABLE)


__all__ = ["RECORDING", "RECORDING_LIST", "LegalHoldBody", "RecordingsQuery"]
