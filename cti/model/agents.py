"""Agent state: derived from queue memberships, queue call activity, wrap-up and device state."""

from __future__ import annotations

from cti.model.events import AgentStateChanged, DomainEvent, WrapupEnded
from cti.model.records import Agent, ModelState
from cti.model.views import WRAPUP_PAUSE_REASON, AgentStatus

_DEVICE_RINGING = frozenset({6})
_DEVICE_BUSY = frozenset({2, 3, 7, 8})


def agent_for(state: ModelState, interface: str, name: str, at: float) -> Agent:
    """The agent for an interface, created (signed out) on first sight."""
    agent = state.agents.get(interface)
    if agent is None:
        agent = Agent(interface=interface, name=name or interface, since=at)
        state.agents[interface] = agent
    elif name and agent.name != name:
        agent.name = name
    return agent


def _derive(state: ModelState, agent: Agent) -> tuple[AgentStatus, str, str | None]:
    if agent.talking_call is not None:
        return AgentStatus.ON_CALL, "", agent.talking_call
    if agent.ringing_call is not None:
        return AgentStatus.RINGING, "", agent.ringing_call
    if not agent.queues:
        return AgentStatus.SIGNED_OUT, "", None
    if agent.wrapup_until is not None:
        return AgentStatus.WRAP_UP, "", agent.wrapup_call
    if agent.device_status in _DEVICE_BUSY:
        return AgentStatus.ON_CALL, "", None
    if agent.device_status in _DEVICE_RINGING:
        return AgentStatus.RINGING, "", None
    reasons = []
    for queue_name in agent.queues:
        member = state.queues[queue_name].members[agent.interface]
        if not member.paused:
            return AgentStatus.READY, "", None
        reasons.append(member.paused_reason)
    reason = next((r for r in reasons if r), "")
    if reason == WRAPUP_PAUSE_REASON:
        return AgentStatus.WRAP_UP, "", agent.last_completed_call
    return AgentStatus.PAUSED, reason, None


def refresh_agent(state: ModelState, agent: Agent, at: float, out: list[DomainEvent]) -> None:
    """Recompute an agent's state and emit ``AgentStateChanged`` when it changed."""
    new_state, reason, call_id = _derive(state, agent)
    if new_state is agent.state and reason == agent.reason:
        return
    previous = agent.state
    agent.state = new_state
    agent.reason = reason
    agent.since = at
    out.append(
        AgentStateChanged(
            at=at,
            agent=agent.interface,
            name=agent.name,
            state=new_state,
            previous=previous,
            reason=reason,
            call_id=call_id,
            queues=tuple(sorted(agent.queues)),
        )
    )


def start_wrapup(
    state: ModelState, agent: Agent, call_id: str | None, queue: str | None, at: float
) -> None:
    """Begin the queue's wrap-up time for an agent (none when it is zero)."""
    seconds = state.wrapup_for(queue)
    if seconds <= 0:
        agent.wrapup_until = None
        agent.wrapup_call = None
        return
    agent.wrapup_until = at + seconds
    agent.wrapup_call = call_id
    state.next_wrapup_end = min(state.next_wrapup_end, agent.wrapup_until)


def expire_wrapups(state: ModelState, at: float, out: list[DomainEvent]) -> None:
    """End every wrap-up whose time has come by ``at``."""
    next_end = float("inf")
    for agent in state.agents.values():
        until = agent.wrapup_until
        if until is None:
            continue
        if until <= at:
            end_wrapup(state, agent, at, out)
        else:
            next_end = min(next_end, until)
    state.next_wrapup_end = next_end


def end_wrapup(state: ModelState, agent: Agent, at: float, out: list[DomainEvent]) -> None:
    """End an agent's wrap-up now: ``WrapupEnded``, then the state it leads to."""
    out.append(WrapupEnded(at=at, agent=agent.interface, call_id=agent.wrapup_call))
    agent.wrapup_until = None
    agent.wrapup_call = None
    refresh_agent(state, agent, at, out)


def stop_ringing_for_call(
    state: ModelState, call_id: str, at: float, out: list[DomainEvent]
) -> None:
    """Agents still ringing for a call that left the queue or ended stop ringing."""
    for agent in state.agents.values():
        if agent.ringing_call == call_id:
            agent.ringing_call = None
            agent.ringing_channel = None
            agent.ringing_queue = None
            refresh_agent(state, agent, at, out)


def leg_gone(
    state: ModelState, agent: Agent, uniqueid: str, at: float, out: list[DomainEvent]
) -> None:
    """An agent's call leg hung up: it stops ringing, or its call ends without ``AgentComplete``."""
    if agent.ringing_channel == uniqueid:
        agent.ringing_call = None
        agent.ringing_channel = None
        agent.ringing_queue = None
        refresh_agent(state, agent, at, out)
    if agent.talking_channel == uniqueid:
        finish_talking(state, agent, at, out)


def finish_talking(state: ModelState, agent: Agent, at: float, out: list[DomainEvent]) -> None:
    """The agent's call is over: wrap-up starts (when the queue has one)."""
    call_id = agent.talking_call
    call = state.calls.get(call_id or "")
    agent.talking_call = None
    agent.talking_channel = None
    agent.last_completed_call = call_id
    start_wrapup(state, agent, call_id, call.queue if call else None, at)
    refresh_agent(state, agent, at, out)
