"""Rebuilding the model from Asterisk's list responses after a (re)connect.

The entries are those of ``CoreShowChannels`` (``CoreShowChannel``), ``BridgeList``
(``BridgeListItem``) and ``QueueStatus`` (``QueueParams``, ``QueueMember``, ``QueueEntry``),
in that order. What Asterisk does not report (wrap-up, who answered a queue call, queue
join times) is carried over from the model being replaced.
"""

from __future__ import annotations

from cti.model.agents import agent_for
from cti.model.calls import ensure_channel, insert_queue_caller, to_int
from cti.model.channel_events import Handler
from cti.model.events import DomainEvent
from cti.model.frame import Frame
from cti.model.queue_events import queue_for
from cti.model.records import Bridge, ModelState, QueueCaller, channel_device


def _duration(value: str | None) -> float:
    """``HH:MM:SS`` (CoreShowChannel's Duration) in seconds; 0 when unreadable."""
    parts = (value or "").split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return 0.0
    hours, minutes, seconds = (int(p) for p in parts)
    return float(hours * 3600 + minutes * 60 + seconds)


def _core_show_channel(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    started = at - _duration(event.get("Duration"))
    channel = ensure_channel(state, event, started)
    if channel is None:
        return
    bridge_id = event.get("BridgeId") or ""
    if bridge_id:
        bridge = state.bridges.get(bridge_id)
        if bridge is None:
            bridge = state.bridges[bridge_id] = Bridge(bridge_id)
        bridge.channels.add(channel.uniqueid)
        channel.bridge_id = bridge_id
    call = state.calls[channel.linkedid]
    call.started_at = min(call.started_at, started)
    if event.get("Context") in state.inbound_contexts and not call.did:
        call.did = event.get("Exten") or ""
    application, data = event.get("Application"), event.get("ApplicationData") or ""
    if application == "Queue" and not call.queue:
        # The caller's channel runs Queue(name,…) for the whole queue call, answered or not.
        call.queue = data.split(",")[0] or None
    elif application == "ConfBridge":
        channel.conference = data.split(",")[0] or None


def _bridge_list_item(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    bridge_id = event.get("BridgeUniqueid")
    if not bridge_id:
        return
    bridge = state.bridges.get(bridge_id)
    if bridge is None:
        bridge = state.bridges[bridge_id] = Bridge(bridge_id)
    bridge.bridge_type = event.get("BridgeType") or bridge.bridge_type


def _queue_params(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    name = event.get("Queue")
    if not name:
        return
    queue = queue_for(state, name)
    queue.strategy = event.get("Strategy") or queue.strategy
    queue.completed = to_int(event.get("Completed"), queue.completed)
    queue.abandoned = to_int(event.get("Abandoned"), queue.abandoned)
    queue.reported_service_level = max(to_int(event.get("ServiceLevel")), 0)


def _queue_entry(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    name = event.get("Queue")
    uniqueid = event.get("Uniqueid")
    if not name or not uniqueid:
        return
    joined_at = at - to_int(event.get("Wait"))
    channel = ensure_channel(state, event, joined_at)
    call_id = channel.linkedid if channel is not None else uniqueid
    queue = queue_for(state, name)
    if uniqueid in queue.callers:
        return
    insert_queue_caller(
        queue,
        QueueCaller(
            uniqueid=uniqueid,
            call_id=call_id,
            position=to_int(event.get("Position"), len(queue.callers) + 1),
            joined_at=joined_at,
            caller_number=channel.caller_number if channel is not None else "",
            caller_name=channel.caller_name if channel is not None else "",
        ),
    )
    call = state.calls.get(call_id)
    if call is not None:
        call.queue = name
        call.joined_at = joined_at


RESYNC_HANDLERS: dict[str, Handler] = {
    "CoreShowChannel": _core_show_channel,
    "BridgeListItem": _bridge_list_item,
    "QueueParams": _queue_params,
    "QueueEntry": _queue_entry,
}
"""Resync list-entry names → handlers (``QueueMember`` is shared with live member events)."""


def settle(rebuilt: ModelState, previous: ModelState, at: float) -> None:
    """Finish a rebuilt model: name agent legs, and carry over what Asterisk does not report."""
    for channel in rebuilt.channels.values():
        channel.agent = rebuilt.device_owner.get(channel_device(channel.name))
    for call_id, kept in rebuilt.calls.items():
        old = previous.calls.get(call_id)
        if old is None:
            continue
        kept.started_at = min(kept.started_at, old.started_at)
        kept.did = kept.did or old.did
        kept.queue = kept.queue or old.queue
        kept.joined_at = old.joined_at if old.joined_at is not None else kept.joined_at
        kept.agent = old.agent
        kept.answered_at = old.answered_at
        kept.hold_time, kept.ring_time = old.hold_time, old.ring_time
        kept.transferred, kept.held = old.transferred, old.held
        kept.held_since, kept.held_seconds = old.held_since, old.held_seconds
        kept.dialled = kept.dialled or old.dialled
        kept.verified_member = kept.verified_member or old.verified_member
    for channel in rebuilt.channels.values():
        call = rebuilt.calls.get(channel.linkedid)
        if channel.agent is None or channel.bridge_id is None or call is None:
            continue
        agent = agent_for(rebuilt, channel.agent, "", at)
        agent.talking_call = call.call_id
        agent.talking_channel = channel.uniqueid
        call.agent = call.agent or agent.interface
        if call.answered_at is None:
            call.answered_at = channel.created_at
    for interface, agent in rebuilt.agents.items():
        old_agent = previous.agents.get(interface)
        if old_agent is None:
            continue
        agent.last_completed_call = old_agent.last_completed_call
        if agent.talking_call is None and old_agent.wrapup_until is not None:
            agent.wrapup_until = old_agent.wrapup_until
            agent.wrapup_call = old_agent.wrapup_call
            rebuilt.next_wrapup_end = min(rebuilt.next_wrapup_end, old_agent.wrapup_until)
        agent.state, agent.reason, agent.since = old_agent.state, old_agent.reason, old_agent.since
