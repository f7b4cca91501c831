"""Channels and calls: creating them from any event that names them, answering and ending."""

from __future__ import annotations

from cti.model.agents import finish_talking, leg_gone, refresh_agent, stop_ringing_for_call
from cti.model.events import CallAbandoned, CallAnswered, CallEnded, DomainEvent
from cti.model.frame import Frame
from cti.model.records import (
    SERVICE_CALL_PREFIX,
    Agent,
    Call,
    Channel,
    ModelState,
    Queue,
    QueueCaller,
    channel_device,
)

_UNKNOWN = "<unknown>"
_SPECIAL_EXTENS = frozenset({"s", "h", "i", "t", "T", "o", "a", "e"})
"""Dialplan extensions that are not a dialled number (start, hangup, invalid, timeout…)."""


def to_int(value: str | None, default: int = 0) -> int:
    """An AMI integer field, or ``default`` when it is missing or not a number."""
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def to_seconds(value: str | None) -> float | None:
    """An AMI seconds field (``HoldTime``, ``TalkTime``), or None when missing or invalid."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def clean(value: str | None) -> str:
    """A caller-id field with Asterisk's ``<unknown>`` placeholder turned into empty."""
    if not value or value == _UNKNOWN:
        return ""
    return value


def call_for(state: ModelState, call_id: str, at: float) -> Call | None:
    """The live call with this id, created on first sight; None once it has ended, and
    for the service's own channels (:data:`SERVICE_CALL_PREFIX`)."""
    call = state.calls.get(call_id)
    if call is None:
        if not call_id or call_id in state.ended_calls or call_id.startswith(SERVICE_CALL_PREFIX):
            return None
        call = Call(call_id=call_id, started_at=at)
        call.dialled = state.dialled_numbers.pop(call_id, "")
        state.calls[call_id] = call
    return call


IVR_MEMBER_VARIABLE = "CTIDESK_IVR_MEMBER"
"""The channel variable the IVR sets once the caller proved who they are; Asterisk adds
it to every later event of the channel as ``ChanVariable: CTIDESK_IVR_MEMBER=I-…``
(manager.conf ``channelvars``), ``CoreShowChannel`` included, so a resync keeps it."""


def verified_member(event: Frame, prefix: str = "") -> str:
    """The member number the IVR verified for the event's channel, or empty.

    Asterisk sends one ``ChanVariable`` header per manager.conf ``channelvars`` entry.
    """
    for variable in event.get_all(prefix + "ChanVariable"):
        name, _, value = variable.partition("=")
        if name.strip() == IVR_MEMBER_VARIABLE:
            return value.strip()
    return ""


def ensure_channel(state: ModelState, event: Frame, at: float, prefix: str = "") -> Channel | None:
    """The channel an event describes (fields named ``{prefix}Uniqueid`` etc.), created if new.

    Returns None when the event names no channel or the channel's call has already ended.
    """
    uniqueid = event.get(prefix + "Uniqueid")
    if not uniqueid:
        return None
    channel = state.channels.get(uniqueid)
    if channel is not None:
        note_verified(state.calls.get(channel.linkedid), event, prefix)
        return channel
    linkedid = event.get(prefix + "Linkedid") or uniqueid
    call = call_for(state, linkedid, at)
    if call is None:
        return None
    note_verified(call, event, prefix)
    name = event.get(prefix + "Channel") or ""
    channel = Channel(
        uniqueid=uniqueid,
        linkedid=linkedid,
        name=name,
        created_at=at,
        state=to_int(event.get(prefix + "ChannelState")),
        caller_number=clean(event.get(prefix + "CallerIDNum")),
        caller_name=clean(event.get(prefix + "CallerIDName")),
        connected_number=clean(event.get(prefix + "ConnectedLineNum")),
        connected_name=clean(event.get(prefix + "ConnectedLineName")),
        context=event.get(prefix + "Context") or "",
        exten=event.get(prefix + "Exten") or "",
        agent=state.channel_owner.pop(uniqueid, None)
        or state.device_owner.get(channel_device(name)),
    )
    state.channels[uniqueid] = channel
    call.channels.add(uniqueid)
    if uniqueid == linkedid or not call.caller_number:
        call.caller_number = channel.caller_number or call.caller_number
        call.caller_name = channel.caller_name or call.caller_name
    note_dialled(state, call, channel.context, channel.exten)
    return channel


def note_verified(call: Call | None, event: Frame, prefix: str = "") -> None:
    """Mark ``call`` as the IVR-verified member's if the event carries the variable."""
    if call is not None and (member := verified_member(event, prefix)):
        call.verified_member = member


def note_dialled(state: ModelState, call: Call, context: str | None, exten: str | None) -> None:
    """Take ``exten`` as the call's DID if it is the first number dialled into an inbound context.

    A call's first channel is not enough: a call originated through a Local channel
    starts at ``s`` in the caller's context, and reaches the inbound context (where the
    DID is the extension) only later, on ``Newexten`` or ``QueueCallerJoin``.
    """
    if call.did or not exten or exten in _SPECIAL_EXTENS:
        return
    if context in state.inbound_contexts:
        call.did = exten


def connect_agent(
    state: ModelState,
    agent: Agent,
    call: Call,
    uniqueid: str | None,
    at: float,
    out: list[DomainEvent],
    *,
    hold_time: float | None = None,
    ring_time: float | None = None,
) -> None:
    """An agent is now talking on a call; the call is answered if it was not already."""
    if uniqueid is None and agent.ringing_call == call.call_id:
        uniqueid = agent.ringing_channel
    agent.ringing_call = agent.ringing_channel = agent.ringing_queue = None
    agent.talking_call = call.call_id
    agent.talking_channel = uniqueid
    agent.wrapup_until = agent.wrapup_call = None
    call.agent = agent.interface
    if hold_time is not None:
        call.hold_time = hold_time
    if ring_time is not None:
        call.ring_time = ring_time
    if call.answered_at is None:
        call.answered_at = at
        out.append(
            CallAnswered(
                at=at,
                call_id=call.call_id,
                agent=agent.interface,
                queue=call.queue,
                hold_time=call.hold_time,
                ring_time=call.ring_time,
            )
        )
    refresh_agent(state, agent, at, out)
    stop_ringing_for_call(state, call.call_id, at, out)


def insert_queue_caller(queue: Queue, caller: QueueCaller) -> None:
    """Put a caller in a queue at its position (clamped to 1…n+1), moving later callers down."""
    caller.position = min(max(1, caller.position), len(queue.callers) + 1)
    for other in queue.callers.values():
        if other.position >= caller.position:
            other.position += 1
    queue.callers[caller.uniqueid] = caller


def remove_queue_caller(state: ModelState, queue_name: str, uniqueid: str) -> int | None:
    """Take a caller out of a queue's waiting list, closing the gap; its position, if it was in."""
    queue = state.queues.get(queue_name)
    if queue is None:
        return None
    caller = queue.callers.pop(uniqueid, None)
    if caller is None:
        return None
    for other in queue.callers.values():
        if other.position > caller.position:
            other.position -= 1
    return caller.position


def abandon(
    state: ModelState,
    call: Call,
    uniqueid: str,
    at: float,
    out: list[DomainEvent],
    *,
    wait_time: float | None = None,
    position: int | None = None,
) -> None:
    """The caller hung up while queued: emit ``CallAbandoned`` once, with the wait time."""
    queue_name = call.queue
    removed_at = remove_queue_caller(state, queue_name, uniqueid) if queue_name else None
    if call.abandoned or call.answered_at is not None or queue_name is None:
        return
    call.abandoned = True
    call.left_queue_at = at
    queue = state.queues.get(queue_name)
    if queue is not None:
        queue.abandoned += 1
    if wait_time is None:
        wait_time = max(0.0, at - (call.joined_at if call.joined_at is not None else at))
    out.append(
        CallAbandoned(
            at=at,
            call_id=call.call_id,
            queue=queue_name,
            caller_number=call.caller_number,
            wait_time=wait_time,
            position=position if position is not None else (removed_at or 0),
        )
    )
    stop_ringing_for_call(state, call.call_id, at, out)


def hang_up(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """A channel hung up: it leaves its bridge, queue and call; the call may end."""
    uniqueid = event.get("Uniqueid") or ""
    channel = state.channels.pop(uniqueid, None)
    call_id = channel.linkedid if channel is not None else (event.get("Linkedid") or uniqueid)
    call = state.calls.get(call_id)
    if channel is not None:
        if channel.bridge_id is not None:
            bridge = state.bridges.get(channel.bridge_id)
            if bridge is not None:
                bridge.channels.discard(uniqueid)
        if channel.agent is not None:
            agent = state.agents.get(channel.agent)
            if agent is not None:
                leg_gone(state, agent, uniqueid, at, out)
    if call is None:
        return
    call.channels.discard(uniqueid)
    cause = event.get("Cause")
    if cause and (call.cause is None or uniqueid == call_id):
        call.cause = to_int(cause)
        call.cause_text = event.get("Cause-txt") or ""
    queue = state.queues.get(call.queue) if call.queue is not None else None
    if queue is not None and uniqueid in queue.callers:
        abandon(state, call, uniqueid, at, out)
    if not call.channels:
        end_call(state, call, at, out)


def end_call(state: ModelState, call: Call, at: float, out: list[DomainEvent]) -> None:
    """The call's last channel is gone: emit ``CallEnded`` and forget the call."""
    if call.queue is not None:
        queue = state.queues.get(call.queue)
        if queue is not None:
            for uniqueid in [u for u, c in queue.callers.items() if c.call_id == call.call_id]:
                abandon(state, call, uniqueid, at, out)
    stop_ringing_for_call(state, call.call_id, at, out)
    for agent in state.agents.values():
        if agent.talking_call == call.call_id:
            finish_talking(state, agent, at, out)
    del state.calls[call.call_id]
    state.transfer_targets.pop(call.call_id, None)
    state.remember_ended(call.call_id)
    if call.answered_at is not None:
        outcome = "answered"
    elif call.abandoned:
        outcome = "abandoned"
    else:
        outcome = "unanswered"
    wait_time: float | None = None
    if call.joined_at is not None:
        left = call.answered_at or call.left_queue_at or at
        wait_time = max(0.0, left - call.joined_at)
    set_held(call, False, at)
    talk_time = call.talk_time
    if talk_time is None and call.answered_at is not None:
        talk_time = max(0.0, at - call.answered_at)
    out.append(
        CallEnded(
            at=at,
            call_id=call.call_id,
            outcome=outcome,
            queue=call.queue,
            agent=call.agent,
            caller_number=call.caller_number,
            caller_name=call.caller_name,
            did=call.did,
            started_at=call.started_at,
            answered_at=call.answered_at,
            wait_time=call.hold_time if call.hold_time is not None else wait_time,
            talk_time=talk_time,
            cause=call.cause,
            cause_text=call.cause_text,
            transferred=call.transferred,
            held_time=call.held_seconds,
            dialled=call.dialled,
        )
    )


def set_held(call: Call, held: bool, at: float) -> bool:
    """Put the call on hold or take it off, counting held time; whether it changed."""
    if call.held is held:
        return False
    call.held = held
    if held:
        call.held_since = at
    elif call.held_since is not None:
        call.held_seconds += max(0.0, at - call.held_since)
        call.held_since = None
    return True
