"""What the call-log services take (validated models) and return (frozen data objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from crm_core.activities.models import ActivityKind
from crm_core.calls.models import Direction, DispositionScope
from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.workflow import RequestStatus

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LINKED_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
SERVER = r"^[A-Za-z0-9_-]{0,64}$"
QUEUE = r"^[\w.-]{1,64}$"
LOGIN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
MEMBER_NUMBER = r"^[A-Z]-\d{8}$"
RECORDING_REF = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$"
CODE = r"^[A-Z0-9][A-Z0-9_-]{0,31}$"
MAX_SECONDS = 7 * 24 * 3600  # no call lasts a week; keeps sums far from integer overflow
MAX_PAGE = 500


def _printable(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("control characters (CR, LF, tab…) are not allowed")
    return value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _no_parent_segment(value: str) -> str:
    if ".." in value.split("/"):
        raise ValueError("'..' is not allowed in a recording reference")
    return value


Text = Annotated[str, AfterValidator(_printable)]
OptionalText = Annotated[Text | None, BeforeValidator(_blank_is_none)]
UtcTime = Annotated[AwareDatetime, AfterValidator(_utc)]
Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
Code = Annotated[str, BeforeValidator(_upper), Field(pattern=CODE)]
QueueName = Annotated[str, Field(pattern=QUEUE)]
Login = Annotated[str, Field(pattern=LOGIN)]
MemberNumber = Annotated[str, Field(pattern=MEMBER_NUMBER)]
RecordingRef = Annotated[str, Field(pattern=RECORDING_REF), AfterValidator(_no_parent_segment)]
OptionalQueue = Annotated[QueueName | None, BeforeValidator(_blank_is_none)]
OptionalLogin = Annotated[Login | None, BeforeValidator(_blank_is_none)]
OptionalMemberNumber = Annotated[MemberNumber | None, BeforeValidator(_blank_is_none)]
OptionalCode = Annotated[Code | None, BeforeValidator(_blank_is_none)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CallIn(_Input):
    """What telephony knows about a call so far; written again as the call moves on.

    ``None`` means "not known yet": it never clears what an earlier write recorded.
    Campaign-scoped disposition codes are not checked here: there is no campaign on a
    call record yet, the dialer validates them against its campaign.
    """

    server: str = Field("", pattern=SERVER, description="the Asterisk's systemname; '' alone")
    linked_id: str = Field(pattern=LINKED_ID, description="Asterisk's LinkedID")
    direction: Direction
    caller: Text = Field(min_length=1, max_length=64, description="caller number as delivered")
    called: OptionalText = Field(None, max_length=64, description="dialled number or DID")
    inbound_media: OptionalText = Field(None, max_length=100)
    queue: OptionalQueue = None
    agent_login: OptionalLogin = None
    member_number: OptionalMemberNumber = None
    started_at: UtcTime
    queued_at: UtcTime | None = None
    ringing_at: UtcTime | None = None
    answered_at: UtcTime | None = None
    ended_at: UtcTime | None = None
    wait_seconds: Seconds | None = None
    talk_seconds: Seconds | None = None
    hold_seconds: Seconds | None = None
    wrapup_seconds: Seconds | None = None
    hangup_cause: int | None = Field(None, ge=0, le=127, description="Q.850 cause code")
    hangup_cause_text: OptionalText = Field(None, max_length=100)
    disposition_code: OptionalCode = None
    disposition_note: OptionalText = Field(None, max_length=2000)
    recording_ref: Annotated[RecordingRef | None, BeforeValidator(_blank_is_none)] = None

    @model_validator(mode="after")
    def _note_needs_code(self) -> CallIn:
        if self.disposition_note is not None and self.disposition_code is None:
            raise ValueError("a disposition note needs a disposition code")
        return self


class DispositionIn(_Input):
    """A disposition code to define: ``scope`` names the queue or campaign, or is empty."""

    code: Code
    label: Text = Field(min_length=1, max_length=100)
    scope_kind: DispositionScope = DispositionScope.ALL
    scope: OptionalQueue = None

    @model_validator(mode="after")
    def _scope_matches_kind(self) -> DispositionIn:
        if self.scope_kind is DispositionScope.ALL and self.scope is not None:
            raise ValueError("a code valid everywhere takes no scope")
        if self.scope_kind is not DispositionScope.ALL and self.scope is None:
            raise ValueError(f"a {self.scope_kind.value} code needs the {self.scope_kind.value}")
        return self


class DispositionChoice(_Input):
    """An agent closing a call with a code and an optional note."""

    linked_id: str = Field(pattern=LINKED_ID)
    code: Code
    note: OptionalText = Field(None, max_length=2000)
    agent_login: Login


class CallQuery(_Input):
    """Filters of the call-log query; all optional, combined with AND, newest call first.

    ``number`` matches the caller (as dialled or in E.164) or the called number.
    ``since``/``until`` bound the start time as ``[since, until)``. ``cursor`` is the
    ``next_cursor`` of the previous page.
    """

    member_number: OptionalMemberNumber = None
    agent_login: OptionalLogin = None
    queue: OptionalQueue = None
    number: OptionalText = Field(None, max_length=64)
    direction: Direction | None = None
    since: UtcTime | None = None
    until: UtcTime | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: OptionalText = Field(None, max_length=100)
    seen_by_agent: OptionalLogin = None
    """An agent's view: only their own calls and the calls of ``seen_in_queues``."""
    seen_in_queues: list[str] = Field(default_factory=list, max_length=64)

    @model_validator(mode="after")
    def _range(self) -> CallQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


@dataclass(frozen=True)
class CallActivity:
    """A note (or other activity) an agent recorded on a call."""

    id: int
    kind: ActivityKind
    subject: str | None
    body: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class CallServiceRequest:
    """A service request opened on a call."""

    number: str
    subject: str
    request_type: RequestType
    status: RequestStatus


@dataclass(frozen=True)
class CallRecordView:
    """One call of the call log."""

    linked_id: str
    direction: Direction
    caller: str
    caller_e164: str | None
    called: str | None
    inbound_media: str | None
    queue: str | None
    agent_login: str | None
    member_number: str | None
    started_at: datetime
    queued_at: datetime | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int
    talk_seconds: int
    hold_seconds: int
    wrapup_seconds: int
    abandoned: bool
    hangup_cause: int | None
    hangup_cause_text: str | None
    disposition_code: str | None
    disposition_note: str | None
    recording_ref: str | None
    created_at: datetime
    activities: tuple[CallActivity, ...] = ()
    service_requests: tuple[CallServiceRequest, ...] = ()
    reconciled: bool = False
    """Made from queue_log at the service's start (the call ended while it was down)."""
    server: str = ""
    """The systemname of the call's Asterisk ("" for a single node's calls)."""


@dataclass(frozen=True)
class CallPage:
    """A page of the call log; ``next_cursor`` fetches the next (older) page, None at the end."""

    calls: tuple[CallRecordView, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class DispositionView:
    """A disposition code and where it may be used."""

    code: str
    label: str
    scope_kind: DispositionScope
    scope: str | None
    active: bool
