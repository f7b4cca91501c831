"""The REST responses the console reads, as the service sends them (standard library only).

Each class declares the fields the console uses and those that identify the resource;
anything else the service sends is ignored when decoding (:func:`~cti.protocol.decode`).
Times are ISO 8601 text, enumerations their values. The live lists are the same types the
WebSocket pushes (without ``type``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cti.protocol.messages import AgentState, CallUpdate, QueueUpdate, WrapUpCode


@dataclass(frozen=True)
class ErrorBody:
    """Any refused request: a kebab-case ``error_id``, a message and the details."""

    error_id: str = "http-error"
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffQueue:
    """A queue a member of staff answers, and their penalty there (0 rings first)."""

    queue: str
    penalty: int


@dataclass(frozen=True)
class StaffMember:
    """The logged-in user: login, name, role, phone extension and queues."""

    login: str
    display_name: str
    role: str
    extension: str | None
    queues: tuple[StaffQueue, ...]


@dataclass(frozen=True)
class LoginGrant:
    """``POST /api/login``: the API token, when it expires, the role and the user."""

    token: str
    expires_at: str
    role: str
    user: StaffMember


@dataclass(frozen=True)
class MemberHit:
    """A member found by phone, card, member number or name."""

    number: str
    name: str
    level: int
    member_type: str | None


@dataclass(frozen=True)
class MemberHits:
    """``GET /api/members``: the members found."""

    members: tuple[MemberHit, ...]


@dataclass(frozen=True)
class LedgerEntry:
    """One line of a member's points ledger: what happened, the points and the balances after."""

    entry_id: int
    created_at: str
    operation: str
    points: int
    valid_after: int
    cumulative_after: int
    operator: str
    rule: str | None
    reason: str | None
    item: str | None

    @property
    def why(self) -> str:
        """The reason given, the item redeemed, or the rule that posted it."""
        return self.reason or self.item or self.rule or ""


@dataclass(frozen=True)
class PointsLedger:
    """``GET /api/members/{member_no}/ledger``: the ledger, newest first."""

    lines: tuple[LedgerEntry, ...]


@dataclass(frozen=True)
class PointsChange:
    """A grant or redemption: the points moved and the balances after it.

    ``status`` is ``pending`` when the change waits for a supervisor's approval
    (``approval_id``; ``needs`` says why): then nothing moved yet.
    """

    member_number: str
    points: int
    valid: int
    cumulative: int
    status: str = "posted"
    approval_id: int | None = None
    needs: str | None = None


@dataclass(frozen=True)
class RequestOpened:
    """``POST /api/service-requests``: the service request opened."""

    number: str
    subject: str
    request_type: str
    member_number: str
    status: str


@dataclass(frozen=True)
class NoteTaken:
    """``POST /api/members/{member_no}/notes``: the note recorded on the member."""

    id: int
    member_number: str
    kind: str
    body: str
    created_by: str


@dataclass(frozen=True)
class CallbackTask:
    """A caller to call back (after-hours voicemail): who, when it is due, their message."""

    id: int
    caller: str
    member_number: str | None
    message: str | None
    due_at: str
    done_at: str | None = None


@dataclass(frozen=True)
class CallbackTasks:
    """``GET /api/callbacks``: the tasks due, oldest first."""

    callbacks: tuple[CallbackTask, ...]


@dataclass(frozen=True)
class WrapUpCodes:
    """``GET /api/dispositions``: the codes for a call of the queue."""

    codes: tuple[WrapUpCode, ...]


@dataclass(frozen=True)
class ArticleHit:
    """A knowledge-base article matching a search (higher ``rank`` is better)."""

    id: int
    title: str
    category: str
    rank: float


@dataclass(frozen=True)
class ArticleHits:
    """``GET /api/kb/search``: the matching articles, best first."""

    hits: tuple[ArticleHit, ...]


@dataclass(frozen=True)
class ArticleText:
    """``GET /api/kb/articles/{id}``: one article in full."""

    id: int
    title: str
    body: str
    category: str
    version: int


@dataclass(frozen=True)
class FormChoice:
    """A choice of a survey question (``label_en`` when the questionnaire has English)."""

    id: int
    label: str
    label_en: str | None

    @property
    def shown(self) -> str:
        """The label the console shows: English when there is one."""
        return self.label_en or self.label


@dataclass(frozen=True)
class FormQuestion:
    """A question of a survey form and its choices."""

    id: int
    kind: str
    text: str
    text_en: str | None
    options: tuple[FormChoice, ...]

    @property
    def shown(self) -> str:
        """The question the console shows: English when there is one."""
        return self.text_en or self.text


@dataclass(frozen=True)
class SurveyForm:
    """``GET /api/surveys/{code}``: the published questionnaire to run with the caller."""

    code: str
    title: str
    version: int
    questions: tuple[FormQuestion, ...]


@dataclass(frozen=True)
class SurveyResult:
    """``POST /api/survey-responses``: the response recorded and its score (decimal text)."""

    id: int
    questionnaire: str
    score: str | None


@dataclass(frozen=True)
class LoggedCall:
    """A call of the call log, as the wall-board counts it."""

    linked_id: str
    caller: str
    queue: str | None
    agent_login: str | None
    member_number: str | None
    started_at: str
    answered_at: str | None
    wait_seconds: int
    abandoned: bool
    reconciled: bool = False
    """Made from queue_log at the service's start: the call ended while it was down."""


@dataclass(frozen=True)
class LoggedCallPage:
    """``GET /api/call-records``: a page of the call log, newest first."""

    calls: tuple[LoggedCall, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class QueueChange:
    """``POST /api/agent/signin`` and ``signout``: the queues joined or left."""

    queues: tuple[str, ...]


@dataclass(frozen=True)
class QueueList:
    """``GET /api/queues``: every visible queue's counters."""

    queues: tuple[QueueUpdate, ...]


@dataclass(frozen=True)
class AgentList:
    """``GET /api/agents``: every visible agent's state."""

    agents: tuple[AgentState, ...]


@dataclass(frozen=True)
class CallList:
    """``GET /api/calls``: every visible call in progress."""

    calls: tuple[CallUpdate, ...]


__all__ = [
    "AgentList",
    "ArticleHit",
    "ArticleHits",
    "ArticleText",
    "CallList",
    "CallbackTask",
    "CallbackTasks",
    "ErrorBody",
    "FormChoice",
    "FormQuestion",
    "LedgerEntry",
    "LoggedCall",
    "LoggedCallPage",
    "LoginGrant",
    "MemberHit",
    "MemberHits",
    "NoteTaken",
    "PointsChange",
    "PointsLedger",
    "QueueChange",
    "QueueList",
    "RequestOpened",
    "StaffMember",
    "StaffQueue",
    "SurveyForm",
    "SurveyResult",
    "WrapUpCode",
    "WrapUpCodes",
]
