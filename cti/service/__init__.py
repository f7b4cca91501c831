"""The telephony service: the AMI bridge, screen pop, call log, live state, agent actions."""

from cti.service.agents import AgentService
from cti.service.call_log import CallLogWriter
from cti.service.callers import CallerLookup, CallerMatch
from cti.service.live import ModelLiveState
from cti.service.notifier import ConsoleNotifier
from cti.service.screen_pop import ScreenPopService
from cti.service.serve import CtiService
from cti.service.telephony import TelephonyBridge
from cti.service.users import AgentDirectory

__all__ = [
    "AgentDirectory",
    "AgentService",
    "CallLogWriter",
    "CallerLookup",
    "CallerMatch",
    "ConsoleNotifier",
    "CtiService",
    "ModelLiveState",
    "ScreenPopService",
    "TelephonyBridge",
]
