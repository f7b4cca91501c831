"""The AMI connection: our own asyncio client, the only place that talks AMI.

panoramisk 1.4 is not used at run time: see `cti.ami.client` for why, and each module's
docstring for the panoramisk defect it replaces.
"""

from cti.ami.action import Action
from cti.ami.capture import StreamRecorder
from cti.ami.client import AmiClient, Backoff, ConnectionStatus
from cti.ami.errors import (
    AmiActionError,
    AmiDisconnectedError,
    AmiError,
    AmiLoginError,
    AmiNotConnectedError,
    AmiProtocolError,
    AmiTimeoutError,
    AmiValueError,
)
from cti.ami.framing import FrameParser, parse_stream, read_recording
from cti.ami.message import AmiList, AmiMessage
from cti.ami.resync import ResyncLists, take_snapshot
from cti.ami.subscription import Subscription

__all__ = [
    "Action",
    "AmiActionError",
    "AmiClient",
    "AmiDisconnectedError",
    "AmiError",
    "AmiList",
    "AmiLoginError",
    "AmiMessage",
    "AmiNotConnectedError",
    "AmiProtocolError",
    "AmiTimeoutError",
    "AmiValueError",
    "Backoff",
    "ConnectionStatus",
    "FrameParser",
    "ResyncLists",
    "StreamRecorder",
    "Subscription",
    "parse_stream",
    "read_recording",
    "take_snapshot",
]
