"""Resync: what Asterisk says is live now, read with list actions after every (re)connect."""

from __future__ import annotations

from dataclasses import dataclass

from cti.ami.action import Action
from cti.ami.client import AmiClient
from cti.ami.errors import AmiActionError
from cti.ami.message import AmiMessage


@dataclass(frozen=True, slots=True)
class ResyncLists:
    """The events of CoreShowChannels, QueueStatus and BridgeList, taken one after another."""

    channels: tuple[AmiMessage, ...]
    queues: tuple[AmiMessage, ...]
    bridges: tuple[AmiMessage, ...]
    started: str = ""
    """When this Asterisk process started (``CoreStatus``): a change means it restarted."""


async def take_snapshot(client: AmiClient, *, answer_within: float | None = None) -> ResyncLists:
    """Read when Asterisk started, run the three resync list actions and return their events.

    ``CoreShowChannel`` events per channel; ``QueueParams``, ``QueueMember`` and
    ``QueueEntry`` per queue; ``BridgeListItem`` per bridge.
    """
    try:
        status = await client.send(Action("CoreStatus"), answer_within=answer_within)
        started = f"{status.get('CoreStartupDate')} {status.get('CoreStartupTime')}".strip()
    except AmiActionError:
        started = ""  # a manager user without the "system" read class: restarts go unseen
    channels = await client.send_list(Action("CoreShowChannels"), answer_within=answer_within)
    queues = await client.send_list(Action("QueueStatus"), answer_within=answer_within)
    bridges = await client.send_list(Action("BridgeList"), answer_within=answer_within)
    return ResyncLists(channels.events, queues.events, bridges.events, started)
