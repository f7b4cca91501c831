"""The data objects of campaigns: the definition coming in, and the views going out."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_core.campaigns.rates import ABANDON_CAP


class CampaignSpec(BaseModel):
    """A new campaign. ``windows`` maps ``mon``..``sun`` to ``[["HH:MM", "HH:MM"], …]`` in
    the callee's local time; ``retry_rules`` overrides :data:`outcomes.DEFAULT_RETRY_RULES`
    per result; ``dispositions`` are codes defined in the call log's disposition table."""

    # Not trimmed: text goes to Asterisk (caller id, queue, sounds), so a line break at
    # either end is refused like one inside, never removed.
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    mode: str
    queue: str | None = Field(None, max_length=64)
    agents: list[str] = Field(default_factory=list)
    caller_id: str | None = Field(None, max_length=64)
    time_zone: str
    windows: dict[str, Any]
    max_attempts: int = Field(5, ge=1, le=50)
    retry_rules: dict[str, Any] = Field(default_factory=dict)
    dispositions: list[str] = Field(default_factory=list)
    abandon_target: float = ABANDON_CAP
    amd: bool = False
    amd_params: dict[str, int] = Field(default_factory=dict)
    recording: str = "none"
    script: str | None = Field(None, max_length=20000)
    message: str | None = Field(None, max_length=100)
    survey: str | None = Field(None, max_length=64)
    """IVR message campaigns: a questionnaire's code, answered by keypad after the message."""
    require_consent: bool = False

    @field_validator("name", "mode", "queue", "caller_id", "time_zone", "message", "survey")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("control characters (CR, LF, tab…) are not allowed")
        return value


class CampaignAction(enum.StrEnum):
    """What a supervisor can do to a campaign's status."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


@dataclass(frozen=True)
class CampaignView:
    """A stored campaign."""

    id: int
    name: str
    mode: str
    queue: str | None
    agents: tuple[str, ...]
    caller_id: str | None
    time_zone: str
    windows: dict[str, list[list[str]]]
    max_attempts: int
    retry_rules: dict[str, Any]
    dispositions: tuple[str, ...]
    abandon_target: float
    amd: bool
    amd_params: dict[str, int]
    recording: str
    script: str | None
    message: str | None
    require_consent: bool
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    survey: str | None = None
    """IVR message campaigns: the questionnaire the callee answers by keypad after the message."""


@dataclass(frozen=True)
class RefusedRow:
    """A row of a list that did not become a lead, and why (``line_no`` None for a row
    from a member query; ``raw`` is the row as read, or the member's number)."""

    line_no: int | None
    reason: str
    raw: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: leads added, every refused row, how the file was read."""

    campaign_id: int
    total_rows: int
    accepted: int
    refused: tuple[RefusedRow, ...]
    encoding: str = "utf-8"
    notes: tuple[str, ...] = ()

    def refused_for(self, reason: str) -> int:
        """How many rows were refused for ``reason`` (e.g. ``no-consent``)."""
        return sum(1 for row in self.refused if row.reason == reason)


@dataclass(frozen=True)
class Claim:
    """A lead claimed for one dial: the attempt row is written, the lead is in flight.
    ``attempt_id`` is the ``ChannelId`` to originate with."""

    attempt_id: str
    lead_id: int
    phone: str
    member_id: int | None
    name: str | None
    campaign_id: int
    custom: dict[str, Any] = field(default_factory=dict)
    callback_id: int | None = None
    owner_login: str | None = None


@dataclass(frozen=True)
class AttemptView:
    """A dial attempt as stored."""

    id: str
    campaign_id: int
    lead_id: int
    phone: str
    epoch: int
    created_at: datetime
    agent_login: str | None
    answered_at: datetime | None
    amd_status: str | None
    ivr_result: str | None
    connected_at: datetime | None
    ended_at: datetime | None
    hangup_cause: int | None
    result: str | None
    counted: bool
    survey_response_id: int | None = None
    """The keypad survey the callee answered after an IVR message, if any."""


@dataclass(frozen=True)
class AttemptResult:
    """What an ended attempt came to, and where its lead stands now."""

    attempt_id: str
    lead_id: int
    result: str
    counted: bool
    lead_status: str
    next_callable_at: datetime | None
    number_marked_invalid: bool


@dataclass(frozen=True)
class CampaignCounters:
    """A campaign's figures so far (attempts since it began, leads by status)."""

    campaign_id: int
    dialled: int
    ringing: int
    answered: int
    connected: int
    abandoned: int
    machines: int
    amd_human: int
    amd_machine: int
    amd_notsure: int
    abandon_rate: float
    leads: int
    remaining: int
    done: int
    failed: int
    invalid: int
    ivr_results: dict[str, int] = field(default_factory=dict)
    """IVR message campaigns: attempts by result (``played``, ``key-1``…)."""
    surveys_started: int = 0
    """IVR message campaigns with a survey: callees who began it after the message."""
    surveys_completed: int = 0
    """…and who answered every required question."""


@dataclass(frozen=True)
class Lease:
    """A held lease: who holds it, its epoch, until when."""

    name: str
    holder: str
    epoch: int
    expires_at: datetime


@dataclass(frozen=True)
class CallbackView:
    """A scheduled call-back."""

    id: int
    campaign_id: int
    lead_id: int
    phone: str
    owner_login: str
    due_at: datetime
    note: str | None
    status: str


@dataclass(frozen=True)
class SuppressionView:
    """A do-not-call entry."""

    id: int
    phone: str
    campaign_id: int | None
    source: str
    reason: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
