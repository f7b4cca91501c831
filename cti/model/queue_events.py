"""Handlers for app_queue events: callers waiting, agents called, connected, completed, members."""

from __future__ import annotations

from cti.model.agents import agent_for, refresh_agent, start_wrapup
from cti.model.calls import (
    abandon,
    call_for,
    clean,
    connect_agent,
    ensure_channel,
    insert_queue_caller,
    note_dialled,
    note_verified,
    remove_queue_caller,
    to_int,
    to_seconds,
)
from cti.model.channel_events import Handler
from cti.model.events import AgentRinging, CallerQueued, DomainEvent
from cti.model.frame import Frame
from cti.model.records import Agent, ModelState, Queue, QueueCaller, QueueMember, device_key


def queue_for(state: ModelState, name: str) -> Queue:
    """The queue with this name, created on first sight."""
    queue = state.queues.get(name)
    if queue is None:
        queue = state.queues[name] = Queue(name)
    return queue


def _caller_join(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    name = event.get("Queue")
    channel = ensure_channel(state, event, at)
    if not name or channel is None:
        return
    call = state.calls[channel.linkedid]
    queue = queue_for(state, name)
    if channel.uniqueid in queue.callers or call.abandoned:
        return
    caller = QueueCaller(
        uniqueid=channel.uniqueid,
        call_id=call.call_id,
        position=to_int(event.get("Position"), len(queue.callers) + 1),
        joined_at=at,
        caller_number=channel.caller_number,
        caller_name=channel.caller_name,
    )
    insert_queue_caller(queue, caller)
    position = caller.position
    call.queue = name
    call.joined_at = at
    note_dialled(state, call, event.get("Context"), event.get("Exten"))
    out.append(
        CallerQueued(
            at=at,
            call_id=call.call_id,
            queue=name,
            caller_number=call.caller_number or channel.caller_number,
            caller_name=call.caller_name or channel.caller_name,
            did=call.did,
            position=position,
            verified_member=call.verified_member,
        )
    )


def _caller_leave(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    uniqueid = event.get("Uniqueid") or ""
    if remove_queue_caller(state, event.get("Queue") or "", uniqueid) is None:
        return
    call = state.calls.get(event.get("Linkedid") or uniqueid)
    if call is not None and call.left_queue_at is None:
        call.left_queue_at = at


def _caller_abandon(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    uniqueid = event.get("Uniqueid") or ""
    channel = state.channels.get(uniqueid)
    call_id = channel.linkedid if channel is not None else (event.get("Linkedid") or uniqueid)
    call = state.calls.get(call_id)
    if call is None:
        return
    call.queue = call.queue or event.get("Queue") or None
    abandon(
        state,
        call,
        uniqueid,
        at,
        out,
        wait_time=to_seconds(event.get("HoldTime")),
        position=to_int(event.get("OriginalPosition")) or to_int(event.get("Position")) or None,
    )


def _agent_called(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    interface = event.get("Interface")
    call = call_for(state, event.get("Linkedid") or event.get("Uniqueid") or "", at)
    if not interface or call is None:
        return
    note_verified(call, event)
    agent = agent_for(state, interface, event.get("MemberName") or "", at)
    if agent.ringing_call == call.call_id or agent.talking_call == call.call_id:
        return
    dest = ensure_channel(state, event, at, prefix="Dest")
    if dest is not None:
        dest.agent = interface
    queue = event.get("Queue") or call.queue
    call.queue = queue
    agent.ringing_call = call.call_id
    agent.ringing_channel = dest.uniqueid if dest is not None else None
    agent.ringing_queue = queue
    out.append(
        AgentRinging(
            at=at,
            call_id=call.call_id,
            agent=interface,
            queue=queue,
            caller_number=call.caller_number or clean(event.get("CallerIDNum")),
            caller_name=call.caller_name or clean(event.get("CallerIDName")),
            did=call.did,
            verified_member=call.verified_member,
        )
    )
    refresh_agent(state, agent, at, out)


def _agent_connect(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    interface = event.get("Interface")
    call = state.calls.get(event.get("Linkedid") or event.get("Uniqueid") or "")
    if not interface or call is None:
        return
    note_verified(call, event)
    agent = agent_for(state, interface, event.get("MemberName") or "", at)
    dest = ensure_channel(state, event, at, prefix="Dest")
    if dest is not None:
        dest.agent = interface
    call.queue = call.queue or event.get("Queue") or None
    hold_time = to_seconds(event.get("HoldTime"))
    ring_time = to_seconds(event.get("RingTime"))
    if agent.talking_call == call.call_id:
        call.hold_time = hold_time if hold_time is not None else call.hold_time
        call.ring_time = ring_time if ring_time is not None else call.ring_time
        return
    if agent.last_completed_call == call.call_id:
        return
    uniqueid = dest.uniqueid if dest is not None else None
    connect_agent(state, agent, call, uniqueid, at, out, hold_time=hold_time, ring_time=ring_time)


def _agent_complete(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    agent = state.agents.get(event.get("Interface") or "")
    if agent is None:
        return
    call_id = _completed_call(state, event, agent)
    if call_id is None or agent.last_counted_call == call_id:
        return
    agent.last_counted_call = call_id
    call = state.calls.get(call_id)
    if call is not None:
        call.talk_time = to_seconds(event.get("TalkTime"))
    queue = state.queues.get(event.get("Queue") or "")
    if queue is not None:
        queue.completed += 1
    if agent.last_completed_call == call_id:
        return  # the agent's leg hung up first: wrap-up has already started
    if agent.talking_call == call_id:
        agent.talking_call = agent.talking_channel = None
    agent.last_completed_call = call_id
    start_wrapup(state, agent, call_id, event.get("Queue") or None, at)
    refresh_agent(state, agent, at, out)


def _completed_call(state: ModelState, event: Frame, agent: Agent) -> str | None:
    """The call an ``AgentComplete`` ends: named by the event, else the agent's current call.

    When the caller hangs up first, Asterisk 22 sends ``AgentComplete`` without the
    caller's ``Channel``/``Uniqueid``/``Linkedid``; the agent leg's ``DestLinkedid`` (the
    same call) may be missing too.
    """
    linkedid = event.get("Linkedid") or event.get("DestLinkedid")
    if linkedid:
        return linkedid
    channel = state.channels.get(event.get("Uniqueid") or "")
    if channel is not None:
        return channel.linkedid
    uniqueid = event.get("Uniqueid") or ""
    if uniqueid and (uniqueid in state.calls or uniqueid == agent.last_completed_call):
        return uniqueid
    return agent.talking_call or agent.last_completed_call


def _agent_ring_no_answer(
    state: ModelState, event: Frame, at: float, out: list[DomainEvent]
) -> None:
    agent = state.agents.get(event.get("Interface") or "")
    call_id = event.get("Linkedid") or event.get("Uniqueid") or None
    if agent is not None and agent.ringing_call == call_id:
        agent.ringing_call = agent.ringing_channel = agent.ringing_queue = None
        refresh_agent(state, agent, at, out)


def upsert_member(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """Apply a queue member event (added, status, pause, penalty, or a resync entry)."""
    queue_name = event.get("Queue")
    interface = event.get("Interface") or event.get("Location")
    if not queue_name or not interface:
        return
    queue = queue_for(state, queue_name)
    name = event.get("MemberName") or event.get("Name") or ""
    member = queue.members.get(interface)
    if member is None:
        member = queue.members[interface] = QueueMember(queue_name, interface, name or interface)
    member.name = name or member.name
    member.state_interface = event.get("StateInterface") or member.state_interface
    member.membership = event.get("Membership") or member.membership
    member.penalty = to_int(event.get("Penalty"), member.penalty)
    member.calls_taken = to_int(event.get("CallsTaken"), member.calls_taken)
    member.in_call = to_int(event.get("InCall"), int(member.in_call)) == 1
    member.status = to_int(event.get("Status"), member.status)
    if "Paused" in event:
        member.paused = event.get("Paused") == "1"
        member.paused_reason = (event.get("PausedReason") or "") if member.paused else ""
    agent = agent_for(state, interface, name, at)
    agent.queues.add(queue_name)
    agent.device_status = member.status
    state.device_owner[device_key(interface)] = interface
    if member.state_interface:
        state.device_owner[device_key(member.state_interface)] = interface
    refresh_agent(state, agent, at, out)


def _member_removed(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    queue = state.queues.get(event.get("Queue") or "")
    interface = event.get("Interface") or ""
    if queue is None or queue.members.pop(interface, None) is None:
        return
    agent = state.agents.get(interface)
    if agent is not None:
        agent.queues.discard(queue.name)
        refresh_agent(state, agent, at, out)


QUEUE_HANDLERS: dict[str, Handler] = {
    "QueueCallerJoin": _caller_join,
    "QueueCallerLeave": _caller_leave,
    "QueueCallerAbandon": _caller_abandon,
    "AgentCalled": _agent_called,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "AgentRingNoAnswer": _agent_ring_no_answer,
    "AgentDump": _agent_ring_no_answer,
    "QueueMemberAdded": upsert_member,
    "QueueMemberStatus": upsert_member,
    "QueueMemberPause": upsert_member,
    "QueueMemberPenalty": upsert_member,
    "QueueMemberRinginuse": upsert_member,
    "QueueMemberRemoved": _member_removed,
    "QueueMember": upsert_member,
}
"""Queue-side AMI event names → handlers."""
