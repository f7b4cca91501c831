"""Domain events: what the state machine tells the rest of the service happened."""

from __future__ import annotations

from dataclasses import dataclass

from cti.model.views import AgentStatus


@dataclass(frozen=True, slots=True)
class CallerQueued:
    """A caller joined a queue."""

    at: float
    call_id: str
    queue: str
    caller_number: str
    caller_name: str
    did: str
    position: int
    verified_member: str = ""
    """The member the caller proved to be in the IVR (channel variable), else empty."""


@dataclass(frozen=True, slots=True)
class AgentRinging:
    """An agent's phone rings for a call (the moment to pop the caller's screen)."""

    at: float
    call_id: str
    agent: str
    queue: str | None
    caller_number: str
    caller_name: str
    did: str
    verified_member: str = ""
    """The member the caller proved to be in the IVR, else empty."""


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """An agent answered a call; hold and ring times as Asterisk reported them, if it did."""

    at: float
    call_id: str
    agent: str | None
    queue: str | None
    hold_time: float | None
    ring_time: float | None


@dataclass(frozen=True, slots=True)
class CallHeld:
    """A call was put on hold (``on_hold``) or taken off it."""

    at: float
    call_id: str
    channel_id: str
    on_hold: bool


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """A call was transferred: ``kind`` is ``blind`` or ``attended``."""

    at: float
    call_id: str
    kind: str
    target: str
    agent: str | None


@dataclass(frozen=True, slots=True)
class OutboundAnswered:
    """The number an agent dialled answered (the moment to pop the callee's screen)."""

    at: float
    call_id: str
    agent: str
    number: str


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """A caller hung up while waiting in a queue."""

    at: float
    call_id: str
    queue: str
    caller_number: str
    wait_time: float
    position: int


@dataclass(frozen=True, slots=True)
class CallEnded:
    """A call's last channel hung up; everything a call record needs.

    ``outcome`` is ``answered``, ``abandoned`` or ``unanswered``.
    """

    at: float
    call_id: str
    outcome: str
    queue: str | None
    agent: str | None
    caller_number: str
    caller_name: str
    did: str
    started_at: float
    answered_at: float | None
    wait_time: float | None
    talk_time: float | None
    cause: int | None
    cause_text: str
    transferred: bool
    held_time: float = 0.0
    dialled: str = ""


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """An agent's state changed (``reason`` is the pause reason when paused)."""

    at: float
    agent: str
    name: str
    state: AgentStatus
    previous: AgentStatus
    reason: str
    call_id: str | None
    queues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WrapupEnded:
    """An agent's wrap-up time ran out, or the agent ended it early."""

    at: float
    agent: str
    call_id: str | None


DomainEvent = (
    CallerQueued
    | AgentRinging
    | CallAnswered
    | CallHeld
    | CallTransferred
    | OutboundAnswered
    | CallAbandoned
    | CallEnded
    | AgentStateChanged
    | WrapupEnded
)
"""Any event the state machine emits."""
