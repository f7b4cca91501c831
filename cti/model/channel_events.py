"""Handlers for channel, dial, bridge, hold and transfer events."""

from __future__ import annotations

from collections.abc import Callable

from cti.model.agents import agent_for, refresh_agent
from cti.model.calls import (
    clean,
    connect_agent,
    ensure_channel,
    hang_up,
    note_dialled,
    set_held,
    to_int,
)
from cti.model.events import (
    AgentRinging,
    CallAnswered,
    CallHeld,
    CallTransferred,
    DomainEvent,
    OutboundAnswered,
)
from cti.model.frame import Frame
from cti.model.records import Bridge, ModelState

Handler = Callable[[ModelState, Frame, float, list[DomainEvent]], None]


def _new_channel(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    ensure_channel(state, event, at)


def _new_state(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    channel = ensure_channel(state, event, at)
    if channel is not None:
        channel.state = to_int(event.get("ChannelState"), channel.state)


def _new_exten(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """Only a step into an inbound context matters: its extension is the call's DID."""
    context = event.get("Context")
    if context not in state.inbound_contexts:
        return
    channel = ensure_channel(state, event, at)
    if channel is None:
        return
    channel.context = context
    channel.exten = event.get("Exten") or channel.exten
    call = state.calls.get(channel.linkedid)
    if call is not None:
        note_dialled(state, call, context, channel.exten)


def _new_caller_id(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    channel = ensure_channel(state, event, at)
    if channel is None:
        return
    channel.caller_number = clean(event.get("CallerIDNum")) or channel.caller_number
    channel.caller_name = clean(event.get("CallerIDName")) or channel.caller_name
    call = state.calls.get(channel.linkedid)
    if call is not None and channel.uniqueid == call.call_id:
        call.caller_number = channel.caller_number
        call.caller_name = channel.caller_name


def _new_connected_line(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    channel = ensure_channel(state, event, at)
    if channel is not None:
        channel.connected_number = clean(event.get("ConnectedLineNum"))
        channel.connected_name = clean(event.get("ConnectedLineName"))


def _hangup(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    hang_up(state, event, at, out)


def _dial_begin(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """A direct (non-queue) call to an agent's phone rings it; queue calls use AgentCalled."""
    ensure_channel(state, event, at)
    dest = ensure_channel(state, event, at, prefix="Dest")
    if dest is None or dest.agent is None:
        return
    call = state.calls.get(dest.linkedid)
    if call is None or call.queue is not None or call.answered_at is not None or call.dialled:
        return  # queue calls ring through AgentCalled; click-to-dial rings the agent's own phone
    agent = agent_for(state, dest.agent, "", at)
    if agent.ringing_call == call.call_id or agent.talking_call is not None:
        return
    agent.ringing_call = call.call_id
    agent.ringing_channel = dest.uniqueid
    out.append(
        AgentRinging(
            at=at,
            call_id=call.call_id,
            agent=agent.interface,
            queue=None,
            caller_number=call.caller_number,
            caller_name=call.caller_name,
            did=call.did,
            verified_member=call.verified_member,
        )
    )
    refresh_agent(state, agent, at, out)


def _dial_end(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    if event.get("DialStatus") == "ANSWER":
        _outbound_answered(state, event, at, out)
        return
    dest = state.channels.get(event.get("DestUniqueid") or "")
    if dest is None or dest.agent is None:
        return
    agent = state.agents.get(dest.agent)
    if agent is not None and agent.ringing_channel == dest.uniqueid:
        agent.ringing_call = agent.ringing_channel = agent.ringing_queue = None
        refresh_agent(state, agent, at, out)


def _outbound_answered(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """The number an agent dialled (click-to-dial) answered: the agent is now talking."""
    caller = state.channels.get(event.get("Uniqueid") or "")
    if caller is None or caller.agent is None:
        return
    call = state.calls.get(caller.linkedid)
    if call is None or not call.dialled or call.answered_at is not None:
        return
    agent = agent_for(state, caller.agent, "", at)
    connect_agent(state, agent, call, caller.uniqueid, at, out)
    out.append(OutboundAnswered(at=at, call_id=call.call_id, agent=agent.interface,
                                number=call.dialled))  # fmt: skip


def _bridge_create(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    bridge_id = event.get("BridgeUniqueid")
    if bridge_id and bridge_id not in state.bridges:
        state.bridges[bridge_id] = Bridge(bridge_id, event.get("BridgeType") or "")


def _bridge_enter(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """A channel joins a bridge; an agent's ringing leg entering it answers the call."""
    bridge_id = event.get("BridgeUniqueid")
    channel = ensure_channel(state, event, at)
    if not bridge_id or channel is None:
        return
    bridge = state.bridges.get(bridge_id)
    if bridge is None:
        bridge = state.bridges[bridge_id] = Bridge(bridge_id, event.get("BridgeType") or "")
    bridge.channels.add(channel.uniqueid)
    channel.bridge_id = bridge_id
    _transfer_lands(state, bridge, at, out)
    if channel.agent is None:
        return
    agent = state.agents.get(channel.agent)
    call = state.calls.get(channel.linkedid)
    if agent is None or call is None or agent.talking_call == call.call_id:
        return
    if agent.ringing_channel == channel.uniqueid or agent.ringing_call == call.call_id:
        connect_agent(state, agent, call, channel.uniqueid, at, out)


def _transfer_lands(state: ModelState, bridge: Bridge, at: float, out: list[DomainEvent]) -> None:
    """A call transferred to an agent is theirs once their phone and the caller share a bridge.

    A consult (the transferring agent and the target talking) does not count: the bridge
    must hold a channel of the call that is nobody's phone.
    """
    members = [state.channels[u] for u in bridge.channels if u in state.channels]
    for target_leg in members:
        call_id = target_leg.linkedid
        target = state.transfer_targets.get(call_id)
        if target is None or target_leg.agent != target:
            continue
        call = state.calls.get(call_id)
        agent = state.agents.get(target)
        caller_here = any(c.agent is None and c.linkedid == call_id for c in members)
        if call is None or agent is None or not caller_here:
            continue
        del state.transfer_targets[call_id]
        answered_before = call.answered_at is not None
        connect_agent(state, agent, call, target_leg.uniqueid, at, out)
        if not answered_before:
            return  # connect_agent announced the answer itself
        out.append(
            CallAnswered(
                at=at, call_id=call_id, agent=target, queue=call.queue,
                hold_time=call.hold_time, ring_time=call.ring_time,
            )
        )  # fmt: skip
        return


def _bridge_leave(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    uniqueid = event.get("Uniqueid") or ""
    bridge = state.bridges.get(event.get("BridgeUniqueid") or "")
    if bridge is not None:
        bridge.channels.discard(uniqueid)
    channel = state.channels.get(uniqueid)
    if channel is not None and channel.bridge_id == event.get("BridgeUniqueid"):
        channel.bridge_id = None


def _bridge_destroy(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    bridge = state.bridges.pop(event.get("BridgeUniqueid") or "", None)
    if bridge is None:
        return
    for uniqueid in bridge.channels:
        channel = state.channels.get(uniqueid)
        if channel is not None and channel.bridge_id == bridge.bridge_id:
            channel.bridge_id = None


def _set_hold(
    state: ModelState, event: Frame, at: float, out: list[DomainEvent], held: bool
) -> None:
    channel = ensure_channel(state, event, at)
    if channel is None or channel.on_hold is held:
        return
    channel.on_hold = held
    _call_hold_changed(state, channel.linkedid, channel.uniqueid, at, out)


def _call_hold_changed(
    state: ModelState, call_id: str, channel_id: str, at: float, out: list[DomainEvent]
) -> None:
    call = state.calls.get(call_id)
    if call is None:
        return
    held = any(state.channels[u].on_hold for u in call.channels if u in state.channels)
    if set_held(call, held, at):
        out.append(CallHeld(at=at, call_id=call.call_id, channel_id=channel_id, on_hold=held))


def _hold(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    _set_hold(state, event, at, out, True)


def _unhold(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    _set_hold(state, event, at, out, False)


def _music_on_hold(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    """Music on an answered call is hold (an agent held the other party through the service);
    music before the answer is a queue caller waiting, not hold."""
    channel = state.channels.get(event.get("Uniqueid") or "")
    if channel is None:
        return
    playing = event.get("Event") == "MusicOnHoldStart"
    channel.music_on_hold = playing
    call = state.calls.get(channel.linkedid)
    if call is None or call.answered_at is None or channel.on_hold is playing:
        return
    channel.on_hold = playing
    _call_hold_changed(state, call.call_id, channel.uniqueid, at, out)


def _transferred(
    state: ModelState,
    at: float,
    out: list[DomainEvent],
    *,
    kind: str,
    call_ids: tuple[str, ...],
    target: str,
    transferer: str,
) -> None:
    call = next((state.calls[c] for c in call_ids if c and c in state.calls), None)
    if call is None:
        return
    call.transferred = True
    channel = state.channels.get(transferer)
    agent = channel.agent if channel is not None else None
    out.append(CallTransferred(at=at, call_id=call.call_id, kind=kind, target=target, agent=agent))


def _blind_transfer(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    if event.get("Result") != "Success":
        return
    _transferred(
        state,
        at,
        out,
        kind="blind",
        call_ids=(event.get("TransfereeLinkedid"), event.get("TransfererLinkedid")),
        target=f"{event.get('Extension') or ''}@{event.get('Context') or ''}",
        transferer=event.get("TransfererUniqueid"),
    )


def _attended_transfer(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    if event.get("Result") != "Success":
        return
    _transferred(
        state,
        at,
        out,
        kind="attended",
        call_ids=(event.get("TransfereeLinkedid"), event.get("OrigTransfererLinkedid")),
        target=clean(event.get("SecondTransfererConnectedLineNum"))
        or event.get("TransferTargetChannel")
        or "",
        transferer=event.get("OrigTransfererUniqueid"),
    )


CHANNEL_HANDLERS: dict[str, Handler] = {
    "Newchannel": _new_channel,
    "Newstate": _new_state,
    "Newexten": _new_exten,
    "NewCallerid": _new_caller_id,
    "NewConnectedLine": _new_connected_line,
    "Hangup": _hangup,
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "BridgeCreate": _bridge_create,
    "BridgeEnter": _bridge_enter,
    "BridgeLeave": _bridge_leave,
    "BridgeDestroy": _bridge_destroy,
    "Hold": _hold,
    "Unhold": _unhold,
    "MusicOnHoldStart": _music_on_hold,
    "MusicOnHoldStop": _music_on_hold,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
}
"""Channel-side AMI event names → handlers."""
