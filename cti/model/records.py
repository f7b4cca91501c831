"""The model's mutable records: what the state machine keeps between AMI events.

Private to ``cti.model``: the outside world reads frozen views (``views.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from cti.model.views import AgentStatus

ENDED_CALLS_REMEMBERED = 4096
"""How many ended call ids are kept so late events cannot bring a call back."""

SERVICE_CALL_PREFIX = "ctidesk-rec-"
"""Linked ids of channels the service makes for itself (call recorders, originated with
``ChannelId`` of this prefix): they are never calls of the centre, so the model keeps none
of their channels and no call of theirs reaches a console, a statistic or the call log."""

DEFAULT_SERVICE_LEVEL_SECONDS = 20
"""The service-level threshold of a queue Asterisk reports none for (``servicelevel=0``)."""


@dataclass(slots=True)
class Channel:
    """One Asterisk channel, keyed by its Uniqueid."""

    uniqueid: str
    linkedid: str
    name: str
    created_at: float
    state: int = 0
    caller_number: str = ""
    caller_name: str = ""
    connected_number: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""
    bridge_id: str | None = None
    on_hold: bool = False
    music_on_hold: bool = False
    agent: str | None = None
    conference: str | None = None
    spying_on: str | None = None
    """For a ChanSpy channel: the Uniqueid of the channel it listens to."""


@dataclass(slots=True)
class Call:
    """Channels sharing one Linkedid: one call as a person sees it."""

    call_id: str
    started_at: float
    channels: set[str] = field(default_factory=set)
    caller_number: str = ""
    caller_name: str = ""
    did: str = ""
    queue: str | None = None
    joined_at: float | None = None
    left_queue_at: float | None = None
    agent: str | None = None
    answered_at: float | None = None
    hold_time: float | None = None
    ring_time: float | None = None
    talk_time: float | None = None
    held: bool = False
    held_since: float | None = None
    held_seconds: float = 0.0
    dialled: str = ""
    """For a call an agent placed (click-to-dial): the number dialled."""
    transferred: bool = False
    abandoned: bool = False
    cause: int | None = None
    cause_text: str = ""
    verified_member: str = ""
    """The member the caller proved to be in the IVR (``CTIDESK_IVR_MEMBER``), else empty."""


@dataclass(slots=True)
class QueueCaller:
    """A caller waiting in a queue."""

    uniqueid: str
    call_id: str
    position: int
    joined_at: float
    caller_number: str
    caller_name: str


@dataclass(slots=True)
class QueueMember:
    """An interface's membership of one queue."""

    queue: str
    interface: str
    name: str
    state_interface: str = ""
    membership: str = "dynamic"
    penalty: int = 0
    calls_taken: int = 0
    in_call: bool = False
    status: int = 0
    paused: bool = False
    paused_reason: str = ""


@dataclass(slots=True)
class Queue:
    """One queue: its waiting callers (by Uniqueid) and members (by Interface)."""

    name: str
    strategy: str = ""
    callers: dict[str, QueueCaller] = field(default_factory=dict)
    members: dict[str, QueueMember] = field(default_factory=dict)
    completed: int = 0
    abandoned: int = 0
    reported_service_level: int = 0
    """``ServiceLevel`` of Asterisk's ``QueueParams`` (queues.conf ``servicelevel``); 0: none."""


@dataclass(slots=True)
class Agent:
    """A queue member interface seen as a person at a phone."""

    interface: str
    name: str
    since: float
    state: AgentStatus = AgentStatus.SIGNED_OUT
    reason: str = ""
    queues: set[str] = field(default_factory=set)
    device_status: int = 0
    ringing_call: str | None = None
    ringing_channel: str | None = None
    ringing_queue: str | None = None
    talking_call: str | None = None
    talking_channel: str | None = None
    wrapup_until: float | None = None
    wrapup_call: str | None = None
    last_completed_call: str | None = None
    last_counted_call: str | None = None
    """The call of the last ``AgentComplete`` applied (its talk time and the queue's count)."""


@dataclass(slots=True)
class Bridge:
    """An Asterisk bridge and the channels (Uniqueids) in it."""

    bridge_id: str
    bridge_type: str = ""
    channels: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ModelState:
    """Everything the state machine knows, in one place the handlers share."""

    wrapup_seconds: Mapping[str, float]
    default_wrapup: float
    inbound_contexts: frozenset[str] = frozenset({"from-trunk"})
    service_levels: Mapping[str, int] = field(default_factory=dict)
    """Queue name → service-level threshold in seconds that wins over Asterisk's."""
    default_service_level: int = DEFAULT_SERVICE_LEVEL_SECONDS
    channels: dict[str, Channel] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    ended_calls: OrderedDict[str, None] = field(default_factory=OrderedDict)
    bridges: dict[str, Bridge] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    device_owner: dict[str, str] = field(default_factory=dict)
    channel_owner: dict[str, str] = field(default_factory=dict)
    """Uniqueids the service chose for channels it originates → the agent interface."""
    dialled_numbers: dict[str, str] = field(default_factory=dict)
    """Call ids of click-to-dial calls not yet seen → the number dialled."""
    transfer_targets: dict[str, str] = field(default_factory=dict)
    """Call ids being transferred to an agent → that agent's interface (until it lands)."""
    next_wrapup_end: float = float("inf")

    def remember_ended(self, call_id: str) -> None:
        """Keep an ended call's id (bounded) so late events do not revive it."""
        self.ended_calls[call_id] = None
        if len(self.ended_calls) > ENDED_CALLS_REMEMBERED:
            self.ended_calls.popitem(last=False)

    def wrapup_for(self, queue: str | None) -> float:
        """The wrap-up time after a call from this queue, in seconds."""
        if queue is None:
            return self.default_wrapup
        return self.wrapup_seconds.get(queue, self.default_wrapup)

    def service_level_for(self, queue: Queue) -> int:
        """A queue's service-level threshold: the override, else Asterisk's, else the default."""
        override = self.service_levels.get(queue.name)
        if override is not None:
            return override
        return queue.reported_service_level or self.default_service_level


def device_key(interface: str) -> str:
    """The channel-name prefix of an interface's channels.

    ``PJSIP/6001`` names channels ``PJSIP/6001-0000000a``; ``Local/6001@ctx/n`` names them
    ``Local/6001@ctx-00000001;1``: both give the part before the last ``-``.
    """
    if interface.startswith("Local/") and interface.count("/") > 1:
        return interface.rsplit("/", 1)[0]
    return interface


def channel_device(name: str) -> str:
    """The device part of a channel name (``PJSIP/6001-0000000a`` → ``PJSIP/6001``)."""
    return name.rpartition("-")[0] or name
