"""What the recording index takes (validated models) and returns (frozen data objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from crm_core.calls.schemas import LINKED_ID, LOGIN, MEMBER_NUMBER, QUEUE
from crm_core.recording_index.models import RecordingStatus

FILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_-]{0,63}){0,4}\.wav$"
"""A relative path of plain segments: no ``..``, no leading ``/``, nothing but letters,
digits, ``_`` and ``-`` (the ``recordings`` package makes these names, never a caller)."""
MAX_PAGE = 1000


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class RecordingIn(_Input):
    """A recording that has just started."""

    file_name: str = Field(pattern=FILE_NAME, max_length=200)
    call_id: str = Field(pattern=LINKED_ID)
    queue: str | None = Field(None, pattern=QUEUE)
    campaign: str | None = Field(None, pattern=QUEUE)
    agent_login: str | None = Field(None, pattern=LOGIN)
    member_number: str | None = Field(None, pattern=MEMBER_NUMBER)
    started_at: AwareDatetime


class RecordingQuery(_Input):
    """Filters of the recording list, newest first."""

    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    queue: str | None = Field(None, pattern=QUEUE)
    agent_login: str | None = Field(None, pattern=LOGIN)
    member_number: str | None = Field(None, pattern=MEMBER_NUMBER)
    call_id: str | None = Field(None, pattern=LINKED_ID)
    status: RecordingStatus | None = None
    legal_hold: bool | None = None
    limit: int = Field(100, ge=1, le=MAX_PAGE)

    @model_validator(mode="after")
    def _range(self) -> RecordingQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


@dataclass(frozen=True)
class PauseView:
    """A muted stretch of a recording (card details read out)."""

    paused_at: datetime
    resumed_at: datetime | None
    by: str | None


@dataclass(frozen=True)
class RecordingView:
    """One indexed recording."""

    id: int
    file_name: str
    call_id: str
    queue: str | None
    campaign: str | None
    agent_login: str | None
    member_number: str | None
    started_at: datetime
    ended_at: datetime | None
    status: RecordingStatus
    duration_seconds: float | None
    size_bytes: int | None
    sha256: str | None
    problem: str | None
    legal_hold: bool
    legal_hold_reason: str | None
    pauses: tuple[PauseView, ...]


@dataclass(frozen=True)
class RecordingList:
    """Recordings matching a query, newest first."""

    recordings: list[RecordingView]
