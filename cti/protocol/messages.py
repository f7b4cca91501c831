"""The messages the service pushes to consoles over the WebSocket (standard library only).

Every message is a JSON object with a ``type``. The WebSocket's path and close codes are
here, and the time encoding both ways: times travel as ISO 8601 text in UTC (:func:`iso`,
:func:`parse_time`). ``member`` in a screen pop is the member's summary
(:class:`~cti.protocol.member.MemberSummary`), ``null`` for an unknown caller.

``from_json`` ignores keys it does not know (a newer service may add some) and raises
:class:`ProtocolError` naming the field for anything else that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from cti.protocol.codec import JsonObject, ProtocolError, decode, encode
from cti.protocol.member import MemberSummary

WEBSOCKET_PATH = "/api/ws"
"""Where the service serves the WebSocket of pushes."""
CLOSE_UNAUTHORIZED = 4401
"""The WebSocket close code for a token the service does not (or no longer) accept."""
CLOSE_TOO_SLOW = 1013
"""The WebSocket close code for a console too slow to read its pushes (reconnect, resync)."""


def iso(at: float) -> str:
    """Epoch seconds as ISO 8601 text in UTC (``Z``), as the wire protocol carries times."""
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def stars(level: object) -> str:
    """A member level 1-5 as stars (``★★★☆☆``); no level, or not one, as five empty stars."""
    count = level if isinstance(level, int) and 0 < level <= 5 else 0
    return "★" * count + "☆" * (5 - count)


def parse_time(text: str) -> datetime:
    """A wire time (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class PopCard:
    """The card a card pop is about: the chip UID read, where, and what the CRM knows of it.

    ``status`` is the card's (``active``, ``issued``, ``lost``, ``replaced``,
    ``cancelled``) or ``unknown`` for a UID no card has; ``warning`` says, in words, why the
    agent must not take the card as the member's (every status but ``active``).
    """

    uid: str
    reader: str
    status: str
    card_number: str | None = None
    replaced_by: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class ScreenPop:
    """A call ringing at the agent: who calls, on which number, and the member if known.

    ``direction`` is ``outbound`` when the number the agent dialled answered (``caller``
    is then the callee); a transferred call says who transferred it and their note.
    ``verified_in_ivr`` marks a member the caller proved to be in the IVR with the PIN;
    ``identified_in_ivr`` a member the IVR took the caller to be from their number and
    the member number's last digits, which proves nothing (never both). Either pops as
    that member.

    ``source`` is ``call`` for a ringing call and ``card`` for a member card tapped on a
    reader at the agent's desk: ``card`` then names the card and the reader, ``call_id``
    and ``caller`` are empty and ``member`` is the card's member (a lost, replaced or
    cancelled card still names it, with a warning).
    """

    type: ClassVar[str] = "screen_pop"
    call_id: str
    caller: str
    did: str | None
    inbound_media: str | None
    queue: str | None
    member: MemberSummary | None
    direction: str = "inbound"
    transferred_by: str | None = None
    note: str | None = None
    verified_in_ivr: bool = False
    """The caller proved in the IVR to be ``member``: they typed the member's PIN."""
    identified_in_ivr: bool = False
    """The IVR identified ``member`` by caller number and the member number's last digits:
    not verified (anyone who knows the number and shows the caller ID gets that far)."""
    source: str = "call"
    """``call`` or ``card`` (a card tapped at the desk)."""
    card: PopCard | None = None
    """The tapped card of a ``card`` pop."""


@dataclass(frozen=True)
class AgentState:
    """An agent's state: signed_out, ready, ringing, on_call, wrap_up or paused."""

    type: ClassVar[str] = "agent_state"
    login: str
    state: str
    since: str
    reason: str | None = None
    queues: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CallUpdate:
    """A call moved on: queued, ringing, answered, held, transferred, ended or abandoned."""

    type: ClassVar[str] = "call_update"
    call_id: str
    state: str
    caller: str
    since: str
    queue: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class QueueUpdate:
    """A queue's counters for the wall-board, its service-level threshold in seconds, and
    its figures today on the reports' definitions (docs/statistics.md).

    Today's figures count the queue's stints that entered since the site's midnight, from
    Asterisk's queue_log as the service reads it: ``abandoned`` is the ``ABANDON`` lines
    only (time-outs are ``timed_out``; key exits, empty exits, withdrawals and failures
    are ``other_exits``), ``sl_pct`` is answered within the threshold ÷ (offered − waiting
    − short abandons) and ``None`` when nothing counts yet, like ``asa_seconds`` (mean wait
    of the answered) and ``max_wait_seconds`` (longest wait of any stint today). They are
    0 / ``None`` when the service reads no queue_log.
    """

    type: ClassVar[str] = "queue_update"
    queue: str
    waiting: int
    longest_wait_seconds: int
    agents_ready: int
    agents_busy: int
    agents_paused: int
    service_level_seconds: int
    """Calls answered within this many seconds meet the queue's service level."""
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    timed_out: int = 0
    other_exits: int = 0
    blocked: int = 0
    sl_pct: float | None = None
    asa_seconds: float | None = None
    max_wait_seconds: int | None = None


@dataclass(frozen=True)
class WrapUpCode:
    """A disposition code an agent may close a call with."""

    code: str
    label: str


@dataclass(frozen=True)
class CampaignUpdate:
    """A campaign's live figures for the wall-board's campaign panel.

    The counts are the campaign's attempts since it began (the CRM's, so every service
    process agrees); the abandon rates are abandoned ÷ answered by a person over the
    rolling 30 days (the regulated figure) and 24 hours, as fractions, against
    ``abandon_target``. ``pacer_mode`` is the predictive pacer's last decision
    (``predictive``, ``progressive_at_cap``…; ``None`` for other modes or before it
    decided) and ``pacer_detail`` says why in words.
    """

    type: ClassVar[str] = "campaign_update"
    campaign_id: int
    name: str
    mode: str
    status: str
    dialled: int
    ringing: int
    answered: int
    connected: int
    abandoned: int
    machines: int
    abandon_rate_30d: float
    abandon_rate_24h: float
    abandon_target: float
    leads_remaining: int
    pacer_mode: str | None = None
    pacer_detail: str | None = None
    agents_ready: int = 0
    """The campaign's agents ready for a call now (seated ones for a predictive campaign)."""
    agents_talking: int = 0
    agents_wrapping_up: int = 0


@dataclass(frozen=True)
class CampaignCall:
    """A campaign's callee just connected to this agent: who, and what to say and record.

    ``call_id`` is the call's id in the live views (the callee's channel, whose id is the
    attempt's); ``member`` is the lead's member when the lead is one; ``dispositions``
    are the campaign's codes the wrap-up offers (empty: the queue's usual codes).
    """

    type: ClassVar[str] = "campaign_call"
    call_id: str
    campaign_id: int
    campaign_name: str
    phone: str
    lead_name: str | None
    member: MemberSummary | None
    script: str | None
    dispositions: tuple[WrapUpCode, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A line of text for the agent: level is info, warning or error."""

    type: ClassVar[str] = "notice"
    level: str
    text: str


@dataclass(frozen=True)
class TelephonyStatus:
    """Whether the service is connected to Asterisk; consoles show "telephony offline"."""

    type: ClassVar[str] = "telephony_status"
    online: bool
    detail: str | None = None


@dataclass(frozen=True)
class Resync:
    """Pushes to this console were lost on the way (several nodes: a numbered message
    never came): read the live state again over REST, as after a reconnect."""

    type: ClassVar[str] = "resync"
    reason: str


@dataclass(frozen=True)
class SessionReady:
    """The first message on a WebSocket once its token is accepted."""

    type: ClassVar[str] = "session_ready"
    login: str
    role: str


@dataclass(frozen=True)
class Authenticate:
    """What a client sends first on the WebSocket: its API token."""

    type: ClassVar[str] = "authenticate"
    token: str = field(repr=False)


Message = (
    ScreenPop
    | AgentState
    | CallUpdate
    | QueueUpdate
    | CampaignUpdate
    | CampaignCall
    | Notice
    | TelephonyStatus
    | Resync
    | SessionReady
    | Authenticate
)
MESSAGE_TYPES: dict[str, type[Message]] = {
    kind.type: kind
    for kind in (
        ScreenPop,
        AgentState,
        CallUpdate,
        QueueUpdate,
        CampaignUpdate,
        CampaignCall,
        Notice,
        TelephonyStatus,
        Resync,
        SessionReady,
        Authenticate,
    )
}


def to_dict(message: Message) -> JsonObject:
    """The message as a JSON-ready mapping, ``type`` first."""
    return {"type": message.type, **encode(message)}


def to_json(message: Message) -> str:
    """The message as JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(to_dict(message), ensure_ascii=False, separators=(",", ":"))


def from_dict(data: Any) -> Message:
    """The message a decoded JSON object describes, or :class:`ProtocolError`."""
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    name = data.get("type")
    kind = MESSAGE_TYPES.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ProtocolError(f"unknown message type {data.get('type')!r}")
    return decode(kind, data, what=kind.type)


def from_json(text: str | bytes) -> Message:
    """The message in a JSON text, or :class:`ProtocolError`."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    except RecursionError:
        raise ProtocolError("not a message: arrays and objects nest too deep") from None
    return from_dict(data)


__all__ = [
    "CLOSE_TOO_SLOW",
    "CLOSE_UNAUTHORIZED",
    "MESSAGE_TYPES",
    "WEBSOCKET_PATH",
    "AgentState",
    "Authenticate",
    "CallUpdate",
    "CampaignCall",
    "CampaignUpdate",
    "Message",
    "Notice",
    "PopCard",
    "QueueUpdate",
    "Resync",
    "ScreenPop",
    "SessionReady",
    "TelephonyStatus",
    "WrapUpCode",
    "from_dict",
    "from_json",
    "iso",
    "parse_time",
    "stars",
    "to_dict",
    "to_json",
]
