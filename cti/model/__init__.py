"""A pure state machine of channels, calls, bridges, queues and agents (stdlib only)."""

from cti.model.events import (
    AgentRinging,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallerQueued,
    CallHeld,
    CallTransferred,
    DomainEvent,
    OutboundAnswered,
    WrapupEnded,
)
from cti.model.frame import Frame
from cti.model.machine import CallCentreModel
from cti.model.records import DEFAULT_SERVICE_LEVEL_SECONDS, SERVICE_CALL_PREFIX
from cti.model.views import (
    WRAPUP_PAUSE_REASON,
    AgentStatus,
    AgentView,
    BridgeView,
    CallView,
    ChannelView,
    QueueCallerView,
    QueueMemberView,
    QueueView,
    Snapshot,
)

__all__ = [
    "DEFAULT_SERVICE_LEVEL_SECONDS",
    "SERVICE_CALL_PREFIX",
    "WRAPUP_PAUSE_REASON",
    "AgentRinging",
    "AgentStateChanged",
    "AgentStatus",
    "AgentView",
    "BridgeView",
    "CallAbandoned",
    "CallAnswered",
    "CallCentreModel",
    "CallEnded",
    "CallHeld",
    "CallTransferred",
    "CallView",
    "CallerQueued",
    "ChannelView",
    "DomainEvent",
    "Frame",
    "OutboundAnswered",
    "QueueCallerView",
    "QueueMemberView",
    "QueueView",
    "Snapshot",
    "WrapupEnded",
]
