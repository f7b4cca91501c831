"""The call-centre state machine: AMI events in, domain events out, snapshots on demand.

Pure: no I/O and no clock. Every event comes with the time it happened, so a recorded
stream replays to the same model and the same domain events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cti.model.agents import agent_for, end_wrapup, expire_wrapups, refresh_agent
from cti.model.calls import end_call
from cti.model.channel_events import CHANNEL_HANDLERS, Handler
from cti.model.control_events import CONTROL_HANDLERS
from cti.model.events import CallEnded, CallTransferred, DomainEvent
from cti.model.frame import Frame
from cti.model.queue_events import QUEUE_HANDLERS
from cti.model.records import DEFAULT_SERVICE_LEVEL_SECONDS, Agent, ModelState, device_key
from cti.model.resync import RESYNC_HANDLERS, settle
from cti.model.snapshots import agent_view, build_snapshot, call_view, channel_view, queue_view
from cti.model.views import AgentView, CallView, ChannelView, QueueView, Snapshot

_HANDLERS: dict[str, Handler] = {
    **CHANNEL_HANDLERS,
    **QUEUE_HANDLERS,
    **RESYNC_HANDLERS,
    **CONTROL_HANDLERS,
}
"""Every AMI event the model reads; anything else (VarSet, RTCP…) is skipped."""


class CallCentreModel:
    """Channels, calls, bridges, queues and agents, kept from AMI events.

    ``wrapup_seconds`` maps queue names to their wrap-up time after a call;
    ``default_wrapup`` applies to other queues and to direct calls. ``inbound_contexts``
    are the dialplan contexts where calls from outside arrive: the first extension a call
    reaches in one of them is its DID (the number the caller dialled).

    A queue's service-level threshold is its entry in ``service_levels`` if any, else the
    ``ServiceLevel`` Asterisk reports in ``QueueParams`` (queues.conf ``servicelevel``),
    else ``default_service_level`` when Asterisk reports none (0, missing or unreadable).
    """

    def __init__(
        self,
        *,
        wrapup_seconds: Mapping[str, float] | None = None,
        default_wrapup: float = 0.0,
        inbound_contexts: Iterable[str] = ("from-trunk",),
        service_levels: Mapping[str, int] | None = None,
        default_service_level: int = DEFAULT_SERVICE_LEVEL_SECONDS,
    ) -> None:
        self._wrapup_seconds: Mapping[str, float] = dict(wrapup_seconds or {})
        self._default_wrapup = default_wrapup
        self._inbound_contexts = frozenset(inbound_contexts)
        self._service_levels: Mapping[str, int] = dict(service_levels or {})
        self._default_service_level = default_service_level
        self._state = self._empty()

    def _empty(self) -> ModelState:
        return ModelState(
            wrapup_seconds=self._wrapup_seconds,
            default_wrapup=self._default_wrapup,
            inbound_contexts=self._inbound_contexts,
            service_levels=self._service_levels,
            default_service_level=self._default_service_level,
        )

    def apply(self, event: Frame, at: float) -> list[DomainEvent]:
        """Apply one AMI event that happened at ``at`` (epoch seconds); return what it caused.

        Unknown, duplicate and out-of-order events are tolerated: they change nothing or
        only what they can.
        """
        handler = _HANDLERS.get(event.get("Event") or "")
        state = self._state
        if handler is None and at < state.next_wrapup_end:
            return []
        out: list[DomainEvent] = []
        if at >= state.next_wrapup_end:
            expire_wrapups(state, at, out)
        if handler is not None:
            handler(state, event, at, out)
        return out

    def apply_all(self, events: Iterable[tuple[Frame, float]]) -> list[DomainEvent]:
        """Apply ``(event, at)`` pairs in order; return every domain event they caused."""
        out: list[DomainEvent] = []
        for event, at in events:
            out.extend(self.apply(event, at))
        return out

    def tick(self, at: float) -> list[DomainEvent]:
        """Let time pass to ``at`` without an event: wrap-ups that are due end."""
        out: list[DomainEvent] = []
        if at >= self._state.next_wrapup_end:
            expire_wrapups(self._state, at, out)
        return out

    def end_wrapup(self, agent: str, at: float) -> list[DomainEvent]:
        """End an agent's wrap-up now (the agent finished the disposition early)."""
        record = self._state.agents.get(agent)
        out: list[DomainEvent] = []
        if record is None or record.wrapup_until is None:
            return out
        end_wrapup(self._state, record, at, out)
        return out

    def resync(self, entries: Iterable[Frame], at: float) -> list[DomainEvent]:
        """Replace the model with one rebuilt from Asterisk's list responses at ``at``.

        Returns the agent state changes and the ends of calls that are gone.
        """
        previous = self._state
        rebuilt = self._empty()
        ignored: list[DomainEvent] = []
        for entry in entries:
            handler = _HANDLERS.get(entry.get("Event") or "")
            if handler is not None:
                handler(rebuilt, entry, at, ignored)
        settle(rebuilt, previous, at)
        out: list[DomainEvent] = []
        for call_id in [c for c in previous.calls if c not in rebuilt.calls]:
            call = previous.calls[call_id]
            call.channels.clear()
            end_call(previous, call, at, out)
        out = [e for e in out if isinstance(e, CallEnded)]
        rebuilt.ended_calls = previous.ended_calls
        for agent in previous.agents.values():
            if agent.interface not in rebuilt.agents:
                rebuilt.agents[agent.interface] = _signed_out_copy(agent)
        for agent in rebuilt.agents.values():
            refresh_agent(rebuilt, agent, at, out)
        if rebuilt.next_wrapup_end <= at:
            expire_wrapups(rebuilt, at, out)
        self._state = rebuilt
        return out

    def snapshot(self, at: float) -> Snapshot:
        """The whole model at ``at`` as frozen views (wait times and time in state to ``at``)."""
        return build_snapshot(self._state, at)

    def agent(self, interface: str, at: float) -> AgentView | None:
        """One agent's view, or None if the model has never seen the interface."""
        record = self._state.agents.get(interface)
        return agent_view(record, at) if record is not None else None

    def call(self, call_id: str, at: float) -> CallView | None:
        """One live call's view, or None (unknown or ended)."""
        call = self._state.calls.get(call_id)
        return call_view(self._state, call, at) if call is not None else None

    def legs(self, call_id: str) -> tuple[ChannelView, ...]:
        """The live channels of a call, by Uniqueid (empty when the call is gone)."""
        call = self._state.calls.get(call_id)
        if call is None:
            return ()
        channels = self._state.channels
        return tuple(channel_view(channels[u]) for u in sorted(call.channels) if u in channels)

    def channel(self, uniqueid: str) -> ChannelView | None:
        """One live channel's view, or None."""
        channel = self._state.channels.get(uniqueid)
        return channel_view(channel) if channel is not None else None

    def bridge_peers(self, uniqueid: str) -> tuple[ChannelView, ...]:
        """The other channels in the bridge ``uniqueid`` is in (empty when not bridged)."""
        channel = self._state.channels.get(uniqueid)
        bridge = self._state.bridges.get(channel.bridge_id or "") if channel is not None else None
        if bridge is None:
            return ()
        channels = self._state.channels
        return tuple(
            channel_view(channels[u])
            for u in sorted(bridge.channels)
            if u != uniqueid and u in channels
        )

    def waiting_leg(self, call_id: str) -> ChannelView | None:
        """The call's channel waiting in a queue (the caller side before an answer), if any."""
        for queue in self._state.queues.values():
            for uniqueid, caller in queue.callers.items():
                channel = self._state.channels.get(uniqueid)
                if caller.call_id == call_id and channel is not None:
                    return channel_view(channel)
        return None

    def has_ended(self, call_id: str) -> bool:
        """Whether the call was seen and has ended (remembered for a bounded number of calls)."""
        return call_id in self._state.ended_calls

    def expect_outbound(self, call_id: str, agent: str, number: str) -> None:
        """The service is about to originate ``call_id`` from ``agent``'s phone to ``number``.

        The originated channel (Uniqueid ``call_id``) is the agent's leg; when the number
        answers, the call is answered by the agent and ``OutboundAnswered`` is emitted.
        """
        self._state.channel_owner[call_id] = agent
        self._state.dialled_numbers[call_id] = number

    def expect_transfer(self, call_id: str, interface: str, name: str, at: float) -> None:
        """The service is transferring ``call_id`` to the agent at ``interface``.

        Channels of that phone are the agent's, and once one of them shares a bridge with
        the caller the call is the new agent's: ``CallAnswered`` names them (the agent
        need not be signed in to any queue).
        """
        agent_for(self._state, interface, name, at)
        self._state.device_owner.setdefault(device_key(interface), interface)
        self._state.transfer_targets[call_id] = interface

    def mark_transferred(
        self, call_id: str, *, kind: str, target: str, agent: str | None, at: float
    ) -> list[DomainEvent]:
        """The service transferred a call (through Redirect, which Asterisk does not report)."""
        call = self._state.calls.get(call_id)
        if call is None:
            return []
        call.transferred = True
        return [CallTransferred(at=at, call_id=call_id, kind=kind, target=target, agent=agent)]

    def queue(self, name: str, at: float) -> QueueView | None:
        """One queue at ``at``, or None if Asterisk has not reported it."""
        record = self._state.queues.get(name)
        return queue_view(self._state, record, at) if record is not None else None

    def queue_names(self) -> tuple[str, ...]:
        """The queues Asterisk has reported, sorted."""
        return tuple(sorted(self._state.queues))


def _signed_out_copy(agent: Agent) -> Agent:
    """An agent no longer in any queue: kept so its state change to signed out is sent."""
    return Agent(
        interface=agent.interface,
        name=agent.name,
        since=agent.since,
        state=agent.state,
        reason=agent.reason,
    )
