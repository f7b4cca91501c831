"""Agent call control: click-to-dial, hold/retrieve, transfer, conference, hang up, DTMF.

Every action reads the call from the model first (404 unknown, 409 ended, 403 when the
agent has no leg in it) and then drives Asterisk through AMI with channel names taken
from the model. Hold moves the far end to music on hold and the agent's leg to a silent
wait (one ``Redirect`` with ``ExtraChannel``); retrieve bridges them again (``Bridge``).
An attended transfer is a hold plus a call from the agent's leg to the target; complete
bridges the held party with the target, cancel bridges it back with the agent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from crm_core.staff.schemas import UserView
from crm_core.staff.services import UserService
from cti.ami import Action, AmiClient, AmiMessage
from cti.bus.actions import phone_of, send_action
from cti.bus.bridge import TelephonyBridge
from cti.bus.dialplan import CONFERENCE_CONTEXT, HOLD_CONTEXT, OUTBOUND_CONTEXT, TARGET_VARIABLE
from cti.bus.legs import CallEndedError, CallLegs, CallStateError
from cti.calls.errors import UnknownTargetError
from cti.calls.policy import OutsideCallGuard
from cti.calls.schemas import CallActionResult, DialResult
from cti.calls.targets import NUMBER, Destination, resolve_target
from cti.model import CallEnded, CallView, ChannelView, DomainEvent

CONFERENCE_ROOMS = range(9000, 10000)
DTMF = frozenset("0123456789*#ABCD")


class TransferPops(Protocol):
    """Pops the caller at the agent a call is transferred to (the screen pop's service)."""

    def note_transfer(self, call_id: str, *, by: str, note: str | None) -> None:
        """The call is being transferred by ``by``: the next pop of it says so."""
        ...

    async def pop_transferred(self, call_id: str, caller: str, did: str, login: str) -> object:
        """Pop ``caller``'s record at ``login``'s consoles as a transferred call."""
        ...


@dataclass
class _Control:
    """What the service remembers of a call it is controlling (held, consulting, room)."""

    agent_leg: ChannelView
    far_end: ChannelView
    consulting: Destination | None = None
    held: bool = False
    room: str | None = None


class CallControl:
    """The soft-phone bar's actions on an agent's own calls."""

    def __init__(
        self,
        *,
        client: AmiClient,
        bridge: TelephonyBridge,
        legs: CallLegs,
        users: UserService,
        screen_pop: TransferPops,
        outside: OutsideCallGuard,
        dial_caller_id: str = "",
    ) -> None:
        self._client = client
        self._outside = outside
        self._bridge = bridge
        self._users = users
        self._screen_pop = screen_pop
        self._dial_caller_id = dial_caller_id
        self._clock = legs.clock
        self.legs = legs
        self._controls: dict[str, _Control] = {}
        self._rooms: dict[str, str] = {}

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: forget what was kept for a call once it has ended."""
        if isinstance(event, CallEnded):
            self._controls.pop(event.call_id, None)
            self._rooms.pop(event.call_id, None)

    # -- placing calls ---------------------------------------------------------------
    async def dial(self, user: UserView, number: str) -> DialResult:
        """Ring the agent's own phone, then (once answered) the number."""
        interface = phone_of(user)
        if not NUMBER.fullmatch(number):
            raise UnknownTargetError(f"{number!r} is not a phone number", target=number)
        await self._outside.admit(user, number, doing="dial")
        call_id = f"ctidesk-{secrets.token_hex(8)}"
        self._bridge.model.expect_outbound(call_id, interface, number)
        fields: dict[str, str | bool | int] = {
            "Channel": interface,
            "Context": OUTBOUND_CONTEXT,
            "Exten": number.removeprefix("+"),
            "Priority": 1,
            "ChannelId": call_id,
            "OtherChannelId": f"{call_id}-2",
            "Timeout": 30000,
            "Async": True,
        }
        if self._dial_caller_id:
            fields["CallerID"] = self._dial_caller_id
        await send_action(self._client, Action("Originate", fields))
        return DialResult(call_id, number)

    # -- hold ------------------------------------------------------------------------
    async def hold(self, user: UserView, call_id: str) -> CallActionResult:
        """Put the far end on music on hold; the agent's leg waits in silence."""
        call, leg = self._mine(user, call_id)
        control = self._controls.get(call_id)
        if call.held or (control is not None and control.held):
            raise CallStateError(f"call {call_id} is on hold already", call_id=call_id)
        far = self.legs.far_end(call, leg)
        await self._redirect(call_id, far, HOLD_CONTEXT, "held", extra=(leg, HOLD_CONTEXT, "wait"))
        self._controls[call_id] = _Control(agent_leg=leg, far_end=far, held=True)
        return CallActionResult(call_id, "hold")

    async def retrieve(self, user: UserView, call_id: str) -> CallActionResult:
        """Take the held party off hold: bridge it with the agent's leg again.

        A hold placed before the service (re)started is found in the dialplan: the held
        party runs ``ctidesk-hold,held`` and the agent's leg ``ctidesk-hold,wait``.
        """
        call, leg = self._mine(user, call_id)
        control = self._controls.get(call_id)
        if control is None or not control.held:
            control = await self._hold_in_dialplan(call, leg)
        if control.consulting is not None:
            raise CallStateError(
                "a consult call is in progress: complete or cancel the transfer", call_id=call_id
            )
        await self._bridge_pair(call_id, control.agent_leg, control.far_end)
        self._controls.pop(call_id, None)
        return CallActionResult(call_id, "retrieve")

    # -- transfer --------------------------------------------------------------------
    async def transfer(
        self, user: UserView, call_id: str, target: str, mode: str, note: str | None = None
    ) -> CallActionResult:
        """Blind: send the far end to the target now. Attended: hold it and call the target."""
        call, leg = self._mine(user, call_id)
        destination = await self._destination(user, target, doing="transfer", call_id=call_id)
        control = self._controls.get(call_id)
        far = (
            control.far_end
            if control is not None and control.held
            else self.legs.far_end(call, leg)
        )
        self._screen_pop.note_transfer(call_id, by=user.login, note=note)
        if mode == "blind":
            await self._set_target(far, destination)
            await self._redirect(call_id, far, destination.context, destination.exten)
            await self.hang_up_quietly(leg)
            self._controls.pop(call_id, None)
            self._transferred(call_id, "blind", destination, user)
            await self._pop_agent(call, destination)
            return CallActionResult(call_id, "transfer", destination.label)
        if control is not None and control.consulting is not None:
            raise CallStateError("a consult call is in progress already", call_id=call_id)
        await self._set_target(leg, destination)
        if control is not None and control.held:
            await self._redirect(call_id, leg, destination.context, destination.exten)
        else:
            await self._redirect(
                call_id, far, HOLD_CONTEXT, "held",
                extra=(leg, destination.context, destination.exten),
            )  # fmt: skip
        self._controls[call_id] = _Control(
            agent_leg=leg, far_end=far, consulting=destination, held=True
        )
        await self._pop_agent(call, destination)
        return CallActionResult(call_id, "consult", destination.label)

    async def complete_transfer(self, user: UserView, call_id: str) -> CallActionResult:
        """Attended transfer, second step: connect the held party with the consulted one."""
        _call, leg = self._mine(user, call_id)
        control = self._consulting(call_id)
        target_leg = self.legs.peer(leg)
        if target_leg is None or target_leg.uniqueid == control.far_end.uniqueid:
            # Not bridged with the consulted party yet (or the model has not seen the
            # hold yet): bridging the held party with itself would strand both.
            raise CallStateError("the transfer target has not answered yet", call_id=call_id)
        await self._bridge_pair(call_id, control.far_end, target_leg)
        await self.hang_up_quietly(leg)
        self._controls.pop(call_id, None)
        assert control.consulting is not None
        self._transferred(call_id, "attended", control.consulting, user)
        return CallActionResult(call_id, "transfer-complete", control.consulting.label)

    async def cancel_transfer(self, user: UserView, call_id: str) -> CallActionResult:
        """Attended transfer abandoned: drop the consulted party, talk to the held one again."""
        _call, leg = self._mine(user, call_id)
        control = self._consulting(call_id)
        target_leg = self.legs.peer(leg)
        await self._bridge_pair(call_id, leg, control.far_end)
        if target_leg is not None:
            await self.hang_up_quietly(target_leg)
        self._controls.pop(call_id, None)
        return CallActionResult(call_id, "transfer-cancel")

    # -- conference ------------------------------------------------------------------
    async def conference(self, user: UserView, call_id: str, target: str) -> CallActionResult:
        """The agent, the far end and ``target`` in one ConfBridge room."""
        call, leg = self._mine(user, call_id)
        destination = await self._destination(user, target, doing="conference", call_id=call_id)
        room = self._rooms.get(call_id) or call.conference
        if room is None:
            control = self._controls.get(call_id)
            far = control.far_end if control is not None else self.legs.far_end(call, leg)
            room = self.free_room()
            await self._redirect(
                call_id, far, CONFERENCE_CONTEXT, room, extra=(leg, CONFERENCE_CONTEXT, room)
            )
            self._rooms[call_id] = room
            self._controls.pop(call_id, None)
        fields: dict[str, str | bool | int] = {
            "Channel": destination.channel(),
            "Context": CONFERENCE_CONTEXT,
            "Exten": room,
            "Priority": 1,
            "Timeout": 30000,
            "Async": True,
        }
        if self._dial_caller_id:
            fields["CallerID"] = self._dial_caller_id
        await send_action(self._client, Action("Originate", fields))
        await self._pop_agent(call, destination)
        return CallActionResult(call_id, "conference", room)

    # -- hang up, DTMF ---------------------------------------------------------------
    async def hang_up(self, user: UserView, call_id: str) -> CallActionResult:
        """Hang up the agent's own leg (in a conference the others go on talking)."""
        _call, leg = self._mine(user, call_id)
        await self.act(call_id, Action("Hangup", Channel=leg.name, Cause=16))
        self._controls.pop(call_id, None)
        return CallActionResult(call_id, "hangup")

    async def send_dtmf(self, user: UserView, call_id: str, digits: str) -> CallActionResult:
        """Send ``digits`` to the far end (second-stage dialling into another IVR)."""
        call, leg = self._mine(user, call_id)
        if not digits or len(digits) > 32 or not set(digits) <= DTMF:
            raise UnknownTargetError(f"{digits!r} is not DTMF (0-9 * # A-D)", digits=digits)
        far = self.legs.far_end(call, leg)
        for digit in digits:
            await self.act(call_id, Action("PlayDTMF", Channel=far.name, Digit=digit, Duration=100))
        return CallActionResult(call_id, "dtmf", digits)

    # -- helpers ---------------------------------------------------------------------
    def _mine(self, user: UserView, call_id: str) -> tuple[CallView, ChannelView]:
        call = self.legs.live(call_id)
        return call, self.legs.agent_leg(call, user.interface)

    async def _hold_in_dialplan(self, call: CallView, leg: ChannelView) -> _Control:
        if await self._place_of(call.call_id, leg) == "wait":
            for other in self._bridge.model.legs(call.call_id):
                if other.uniqueid != leg.uniqueid and (
                    await self._place_of(call.call_id, other) == "held"
                ):
                    return _Control(agent_leg=leg, far_end=other, held=True)
        if call.held:
            raise CallStateError(
                f"call {call.call_id} was put on hold from the phone: take it off hold there",
                call_id=call.call_id,
            )
        raise CallStateError(f"call {call.call_id} is not on hold", call_id=call.call_id)

    async def _place_of(self, call_id: str, channel: ChannelView) -> str | None:
        """``held`` or ``wait`` when ``channel`` waits in our hold context, else None (a
        channel bridged again keeps its dialplan place, hence ``BRIDGEPEER``)."""
        values = []
        for variable in ("CONTEXT", "EXTEN", "BRIDGEPEER"):
            getvar = Action("Getvar", Channel=channel.name, Variable=variable)
            reply = await self.act(call_id, getvar)
            values.append(reply.get("Value", "") if reply is not None else "")
        context, exten, peer = values
        held = context == HOLD_CONTEXT and exten in {"held", "wait"} and not peer
        return exten if held else None

    def _consulting(self, call_id: str) -> _Control:
        control = self._controls.get(call_id)
        if control is None or control.consulting is None:
            raise CallStateError(f"call {call_id} has no consult call", call_id=call_id)
        return control

    async def _destination(
        self, user: UserView, target: str, *, doing: str, call_id: str
    ) -> Destination:
        destination = await resolve_target(self._users, target)
        if destination.kind == "number":  # the public network: the toll-fraud guard
            await self._outside.admit(user, destination.label, doing=doing, call_id=call_id)
        if destination.kind == "queue":
            known = {queue.name for queue in self._bridge.model.snapshot(self._clock()).queues}
            if destination.exten not in known:
                raise UnknownTargetError(f"no queue {destination.exten!r}", target=target)
        return destination

    def free_room(self) -> str:
        """The lowest conference room no live call uses: rooms this process opened and
        rooms Asterisk reports in use (``ConfbridgeJoin``, or ``CoreShowChannels`` after a
        restart of the service)."""
        calls = self._bridge.model.snapshot(self._clock()).calls
        used = set(self._rooms.values()) | {call.conference for call in calls if call.conference}
        for number in CONFERENCE_ROOMS:
            if str(number) not in used:
                return str(number)
        raise CallStateError("every conference room is in use")

    async def _set_target(self, channel: ChannelView, destination: Destination) -> None:
        if destination.interface is None:
            return
        action = Action(
            "Setvar", Channel=channel.name, Variable=TARGET_VARIABLE, Value=destination.interface
        )
        await self.act(channel.linkedid, action)
        if destination.user is not None:
            # The call becomes the target agent's once their phone reaches the caller.
            self._bridge.model.expect_transfer(
                channel.linkedid, destination.interface, destination.user.display_name,
                self._clock(),
            )  # fmt: skip

    async def _redirect(
        self,
        call_id: str,
        channel: ChannelView,
        context: str,
        exten: str,
        *,
        extra: tuple[ChannelView, str, str] | None = None,
    ) -> None:
        fields: dict[str, str | bool | int] = {
            "Channel": channel.name, "Context": context, "Exten": exten, "Priority": 1,
        }  # fmt: skip
        if extra is not None:
            other, other_context, other_exten = extra
            fields.update(
                ExtraChannel=other.name, ExtraContext=other_context, ExtraExten=other_exten,
                ExtraPriority=1,
            )  # fmt: skip
        await self.act(call_id, Action("Redirect", fields))

    async def _bridge_pair(self, call_id: str, first: ChannelView, second: ChannelView) -> None:
        await self.act(
            call_id, Action("Bridge", Channel1=first.name, Channel2=second.name, Tone="no")
        )

    async def act(self, call_id: str, action: Action) -> AmiMessage | None:
        """Send ``action`` on the call; one that ended meanwhile is 409 and forgotten here."""
        try:
            return await self.legs.act(call_id, action)
        except CallEndedError:
            self._controls.pop(call_id, None)
            raise

    async def hang_up_quietly(self, channel: ChannelView) -> None:
        """Hang ``channel`` up if it is still there."""
        await self.legs.hang_up_quietly(channel)

    def _transferred(
        self, call_id: str, kind: str, destination: Destination, user: UserView
    ) -> None:
        self._bridge.publish(
            self._bridge.model.mark_transferred(
                call_id, kind=kind, target=destination.label, agent=user.interface,
                at=self._clock(),
            )
        )  # fmt: skip

    async def _pop_agent(self, call: CallView, destination: Destination) -> None:
        if destination.user is not None:
            await self._screen_pop.pop_transferred(
                call.call_id, call.caller_number, call.did, destination.user.login
            )


__all__ = ["CallControl", "TransferPops"]
