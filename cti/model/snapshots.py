"""Frozen views built from the model's records."""

from __future__ import annotations

from cti.model.records import Agent, Call, Channel, ModelState, Queue, QueueMember
from cti.model.views import (
    AgentView,
    BridgeView,
    CallView,
    ChannelView,
    QueueCallerView,
    QueueMemberView,
    QueueView,
    Snapshot,
)


def agent_view(agent: Agent, at: float) -> AgentView:
    """One agent as the API shows it."""
    return AgentView(
        interface=agent.interface,
        name=agent.name,
        state=agent.state,
        reason=agent.reason,
        since=agent.since,
        time_in_state=max(0.0, at - agent.since),
        call_id=agent.talking_call or agent.ringing_call or agent.wrapup_call,
        queues=tuple(sorted(agent.queues)),
        wrapup_until=agent.wrapup_until,
    )


def _member_view(member: QueueMember) -> QueueMemberView:
    return QueueMemberView(
        interface=member.interface,
        name=member.name,
        state_interface=member.state_interface,
        membership=member.membership,
        status=member.status,
        paused=member.paused,
        paused_reason=member.paused_reason,
        penalty=member.penalty,
        calls_taken=member.calls_taken,
        in_call=member.in_call,
    )


def queue_view(state: ModelState, queue: Queue, at: float) -> QueueView:
    """One queue with its callers by position and members by interface."""
    callers = sorted(queue.callers.values(), key=lambda c: c.position)
    return QueueView(
        name=queue.name,
        strategy=queue.strategy,
        callers=tuple(
            QueueCallerView(
                call_id=c.call_id,
                channel_id=c.uniqueid,
                caller_number=c.caller_number,
                caller_name=c.caller_name,
                position=c.position,
                joined_at=c.joined_at,
                wait_time=max(0.0, at - c.joined_at),
            )
            for c in callers
        ),
        members=tuple(_member_view(queue.members[i]) for i in sorted(queue.members)),
        completed=queue.completed,
        abandoned=queue.abandoned,
        service_level_seconds=state.service_level_for(queue),
    )


def call_view(state: ModelState, call: Call, at: float) -> CallView:
    """One live call; held time counts the hold in progress up to ``at``."""
    legs = [state.channels[u] for u in sorted(call.channels) if u in state.channels]
    held = call.held_seconds
    if call.held_since is not None:
        held += max(0.0, at - call.held_since)
    agents = {leg.agent for leg in legs if leg.agent is not None}
    if call.agent is not None:
        agents.add(call.agent)
    return CallView(
        call_id=call.call_id,
        started_at=call.started_at,
        caller_number=call.caller_number,
        caller_name=call.caller_name,
        did=call.did,
        queue=call.queue,
        agent=call.agent,
        answered_at=call.answered_at,
        held=call.held,
        channel_ids=tuple(sorted(call.channels)),
        held_seconds=held,
        dialled=call.dialled,
        agents=tuple(sorted(agents)),
        conference=next((leg.conference for leg in legs if leg.conference), None),
        transferred=call.transferred,
    )


def channel_view(channel: Channel) -> ChannelView:
    """One live channel."""
    return ChannelView(
        uniqueid=channel.uniqueid,
        linkedid=channel.linkedid,
        name=channel.name,
        state=channel.state,
        caller_number=channel.caller_number,
        caller_name=channel.caller_name,
        connected_number=channel.connected_number,
        bridge_id=channel.bridge_id,
        on_hold=channel.on_hold,
        agent=channel.agent,
        conference=channel.conference,
        spying_on=channel.spying_on,
    )


def build_snapshot(state: ModelState, at: float) -> Snapshot:
    """The whole model at ``at``."""
    return Snapshot(
        at=at,
        queues=tuple(queue_view(state, state.queues[n], at) for n in sorted(state.queues)),
        agents=tuple(agent_view(state.agents[i], at) for i in sorted(state.agents)),
        calls=tuple(call_view(state, state.calls[c], at) for c in sorted(state.calls)),
        channels=tuple(channel_view(state.channels[u]) for u in sorted(state.channels)),
        bridges=tuple(
            BridgeView(b.bridge_id, b.bridge_type, tuple(sorted(b.channels)))
            for b in sorted(state.bridges.values(), key=lambda b: b.bridge_id)
        ),
    )
