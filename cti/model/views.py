"""Frozen views of the model for the API and the wall-board: safe to share and serialise."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AgentStatus(StrEnum):
    """What an agent is doing, as a console shows it."""

    SIGNED_OUT = "signed_out"
    READY = "ready"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


WRAPUP_PAUSE_REASON = "wrap-up"
"""The pause reason the service uses to hold an agent's queue calls during wrap-up.

An agent paused with this reason is in wrap-up, not paused, even when the model's own
wrap-up timer has run out (the unpause is on its way) or is unknown (after a restart).
"""


@dataclass(frozen=True, slots=True)
class ChannelView:
    """One live channel."""

    uniqueid: str
    linkedid: str
    name: str
    state: int
    caller_number: str
    caller_name: str
    connected_number: str
    bridge_id: str | None
    on_hold: bool
    agent: str | None
    conference: str | None = None
    spying_on: str | None = None


@dataclass(frozen=True, slots=True)
class CallView:
    """One live call (channels grouped by Linkedid)."""

    call_id: str
    started_at: float
    caller_number: str
    caller_name: str
    did: str
    queue: str | None
    agent: str | None
    answered_at: float | None
    held: bool
    channel_ids: tuple[str, ...]
    held_seconds: float = 0.0
    dialled: str = ""
    agents: tuple[str, ...] = ()
    """Agent interfaces with a leg in the call (the answering agent, consulted, conferenced)."""
    conference: str | None = None
    transferred: bool = False


@dataclass(frozen=True, slots=True)
class BridgeView:
    """One bridge and the channels in it."""

    bridge_id: str
    bridge_type: str
    channel_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueueCallerView:
    """A caller waiting in a queue, with position and time waited so far."""

    call_id: str
    channel_id: str
    caller_number: str
    caller_name: str
    position: int
    joined_at: float
    wait_time: float


@dataclass(frozen=True, slots=True)
class QueueMemberView:
    """An agent interface's membership of a queue."""

    interface: str
    name: str
    state_interface: str
    membership: str
    status: int
    paused: bool
    paused_reason: str
    penalty: int
    calls_taken: int
    in_call: bool


@dataclass(frozen=True, slots=True)
class QueueView:
    """One queue: callers waiting (by position) and members (by interface)."""

    name: str
    strategy: str
    callers: tuple[QueueCallerView, ...]
    members: tuple[QueueMemberView, ...]
    completed: int
    abandoned: int
    service_level_seconds: int
    """Calls answered within this many seconds count as answered within the service level."""


@dataclass(frozen=True, slots=True)
class AgentView:
    """One agent: state, reason (for pauses), time in state and current call."""

    interface: str
    name: str
    state: AgentStatus
    reason: str
    since: float
    time_in_state: float
    call_id: str | None
    queues: tuple[str, ...]
    wrapup_until: float | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole model at one instant."""

    at: float
    queues: tuple[QueueView, ...]
    agents: tuple[AgentView, ...]
    calls: tuple[CallView, ...]
    channels: tuple[ChannelView, ...]
    bridges: tuple[BridgeView, ...]
