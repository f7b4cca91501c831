"""Supervisor functions: listen/whisper/barge (ChanSpy), force-release, intercept,
force sign-out or pause of an agent, and broadcast notices. Every action is audited.

Spying rings the supervisor's own phone (``Originate`` of their interface into the
``ctidesk-spy`` dialplan context, which runs ``ChanSpy`` on the agent's leg with option
``d``); switching mode sends the ChanSpy DTMF (4 listen, 5 whisper, 6 barge) as received
on the spy channel, so the session goes on; stopping hangs the spy channel up. ChanSpy
notices that hang-up only while the spied call carries audio (as real calls do).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from crm_core.errors import CrmError
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.ami import Action, AmiClient
from cti.bus.actions import TelephonyUnavailableError, phone_of, send_action
from cti.bus.dialplan import DIAL_CONTEXT, SPY_CONTEXT, TARGET_VARIABLE
from cti.bus.legs import CallLegs, CallStateError
from cti.http.pushes import Pushes
from cti.model import CallView, ChannelView
from cti.protocol import Notice
from cti.supervisor.schemas import NoticeResult, SupervisorActionResult

SPY_OPTIONS = {"listen": "q", "whisper": "qw", "barge": "qB"}
SPY_DIGITS = {"listen": "4", "whisper": "5", "barge": "6"}
T = TypeVar("T")


class Dialled(Protocol):
    """A call placed from an agent's phone."""

    @property
    def call_id(self) -> str:
        """Its call id."""
        ...


class AgentPhones(Protocol):
    """What supervision asks of the agents' and calls' services on an agent's behalf."""

    async def sign_out(self, user: UserView) -> list[str]:
        """Sign ``user`` out of every queue; the queues left."""
        ...

    async def pause(self, user: UserView, reason: str) -> None:
        """Pause ``user`` in every queue."""
        ...


class Dialler(Protocol):
    """Click-to-dial from a user's phone (the call-control service)."""

    async def dial(self, user: UserView, number: str) -> Dialled:
        """Ring ``user``'s phone, then ``number``."""
        ...


@dataclass
class SpySession:
    """A supervisor's ChanSpy channel on a call."""

    call_id: str
    channel_id: str
    mode: str


class SupervisorService:
    """What a supervisor does to calls and agents; each action lands in the audit trail."""

    def __init__(
        self,
        *,
        client: AmiClient,
        legs: CallLegs,
        dialler: Dialler,
        agents: AgentPhones,
        crm: Crm,
        hub: Pushes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._dialler = dialler
        self._agents = agents
        self._crm = crm
        self._hub = hub
        self._clock = clock
        self.legs = legs
        self._spies: dict[str, SpySession] = {}

    async def spy(self, supervisor: UserView, call_id: str, mode: str) -> SupervisorActionResult:
        """Listen, whisper or barge on a call; a running session on it switches mode."""
        return await self._audited(supervisor, "spy-" + mode, call_id, None,
                                   lambda: self._spy(supervisor, call_id, mode))  # fmt: skip

    async def stop_spy(self, supervisor: UserView, call_id: str) -> SupervisorActionResult:
        """End the supervisor's spy session on the call."""
        return await self._audited(supervisor, "spy-stop", call_id, None,
                                   lambda: self._stop_spy(supervisor, call_id))  # fmt: skip

    async def release(self, supervisor: UserView, call_id: str) -> SupervisorActionResult:
        """Force-release: hang up every leg of the call, and end its conference room."""
        return await self._audited(supervisor, "release", call_id, None,
                                   lambda: self._release(call_id))  # fmt: skip

    async def intercept(self, supervisor: UserView, call_id: str) -> SupervisorActionResult:
        """Take a ringing or talking call to the supervisor's own phone."""
        return await self._audited(supervisor, "intercept", call_id, None,
                                   lambda: self._intercept(supervisor, call_id))  # fmt: skip

    async def sign_out_agent(self, supervisor: UserView, login: str) -> SupervisorActionResult:
        """Force an agent out of every queue."""

        async def work() -> SupervisorActionResult:
            user = await self._crm.users.get(login)
            queues = await self._agents.sign_out(user)
            return SupervisorActionResult("signout", agent=login, detail=",".join(queues) or None)

        return await self._audited(supervisor, "signout", None, login, work)

    async def pause_agent(
        self, supervisor: UserView, login: str, reason: str
    ) -> SupervisorActionResult:
        """Pause an agent in every queue with ``reason``."""

        async def work() -> SupervisorActionResult:
            user = await self._crm.users.get(login)
            await self._agents.pause(user, reason)
            return SupervisorActionResult("pause", agent=login, detail=reason)

        return await self._audited(supervisor, "pause", None, login, work, detail=reason)

    async def call_back(
        self, supervisor: UserView, login: str, number: str
    ) -> SupervisorActionResult:
        """Call a caller back from an agent's phone (an abandoned call on the wall-board)."""

        async def work() -> SupervisorActionResult:
            user = await self._crm.users.get(login)
            dialled = await self._dialler.dial(user, number)
            return SupervisorActionResult(
                "callback", call_id=dialled.call_id, agent=login, detail=number
            )

        return await self._audited(supervisor, "callback", None, login, work, detail=number)

    async def notice(self, supervisor: UserView, text: str, queue: str | None) -> NoticeResult:
        """Broadcast ``text`` to every console, or to the agents of ``queue``."""

        async def work() -> NoticeResult:
            message = Notice(level="info", text=text)
            if queue is None:
                return NoticeResult(self._hub.broadcast(message), None)
            users = await self._crm.users.users_for_queue(queue)
            delivered = sum(self._hub.send_to_user(user.login, message) for user in users)
            return NoticeResult(delivered, queue)

        return await self._audited(supervisor, "notice", None, None, work, detail=text)

    # -- the actions -----------------------------------------------------------------
    async def _spy(self, supervisor: UserView, call_id: str, mode: str) -> SupervisorActionResult:
        phone = phone_of(supervisor)
        call = self.legs.live(call_id)
        session = self._spies.get(supervisor.login)
        if session is not None and self.legs.channel(session.channel_id) is None:
            del self._spies[supervisor.login]  # the spy call ended by itself
            session = None
        if session is not None and session.call_id == call_id:
            spy_leg = self.legs.channel(session.channel_id)
            assert spy_leg is not None
            action = Action("PlayDTMF", Channel=spy_leg.name, Digit=SPY_DIGITS[mode],
                            Duration=100, Receive=True)  # fmt: skip
            await self.legs.act(call_id, action)
            session.mode = mode
            return SupervisorActionResult("spy", call_id=call_id, detail=f"switched to {mode}")
        if session is not None:
            await self._stop_spy(supervisor, session.call_id)
        target = self._spied_leg(call)
        channel_id = f"ctidesk-spy-{secrets.token_hex(8)}"
        action = Action(
            "Originate", Channel=phone, Context=SPY_CONTEXT, Exten="s", Priority=1,
            Variable=[f"CTIDESK_SPY={target.name}", f"CTIDESK_SPY_OPTIONS=dE{SPY_OPTIONS[mode]}"],
            ChannelId=channel_id, OtherChannelId=f"{channel_id}-2",
            CallerID=f"Supervisor <{supervisor.login}>", Timeout=30000, Async=True,
        )  # fmt: skip
        await self.legs.act(call_id, action)
        self._spies[supervisor.login] = SpySession(call_id, channel_id, mode)
        return SupervisorActionResult("spy", call_id=call_id, agent=target.agent, detail=mode)

    async def _stop_spy(self, supervisor: UserView, call_id: str) -> SupervisorActionResult:
        session = self._spies.get(supervisor.login)
        if session is None or session.call_id != call_id:
            raise CallStateError(f"you are not spying on call {call_id}", call_id=call_id)
        self._spies.pop(supervisor.login, None)
        leg = self.legs.channel(session.channel_id)
        if leg is not None:
            await send_action(self._client, Action("Hangup", Channel=leg.name, Cause=16))
        return SupervisorActionResult("spy-stop", call_id=call_id)

    async def _release(self, call_id: str) -> SupervisorActionResult:
        call = self.legs.live(call_id)
        first, *others = self.legs.model.legs(call_id)
        await self.legs.act(call_id, Action("Hangup", Channel=first.name, Cause=16))
        for leg in others:  # most go with the first; the rest are hung up here
            await self.legs.hang_up_quietly(leg)
        if call.conference is not None:
            await self._end_room(call.conference)
        return SupervisorActionResult("release", call_id=call_id)

    async def _end_room(self, room: str) -> None:
        """Kick everyone out of the call's conference room, which then ends: a party added
        to a conference is a call of its own (its own linked id), not a leg of this one,
        and would be left alone in the room. Leaving ConfBridge hangs them up (the
        ``conferences`` context). A room already gone (everyone left) is no error."""
        kick = Action("ConfbridgeKick", Conference=room, Channel="all")
        with contextlib.suppress(TelephonyUnavailableError):
            await send_action(self._client, kick)

    async def _intercept(self, supervisor: UserView, call_id: str) -> SupervisorActionResult:
        phone = phone_of(supervisor)
        call = self.legs.live(call_id)
        caller = self._caller_side(call)
        setvar = Action("Setvar", Channel=caller.name, Variable=TARGET_VARIABLE, Value=phone)
        await self.legs.act(call_id, setvar)
        redirect = Action(
            "Redirect", Channel=caller.name, Context=DIAL_CONTEXT, Exten="s", Priority=1
        )
        await self.legs.act(call_id, redirect)
        return SupervisorActionResult("intercept", call_id=call_id, agent=call.agent)

    # -- helpers ---------------------------------------------------------------------
    def _spied_leg(self, call: CallView) -> ChannelView:
        legs = [
            leg
            for leg in self.legs.model.legs(call.call_id)
            if leg.agent is not None and leg.spying_on is None
            and (leg.bridge_id is not None or leg.conference)
        ]  # fmt: skip
        if not legs:
            raise CallStateError(
                f"no agent is talking on call {call.call_id}", call_id=call.call_id
            )
        return legs[0]

    def _caller_side(self, call: CallView) -> ChannelView:
        waiting = self.legs.model.waiting_leg(call.call_id)
        if waiting is not None:
            return waiting
        for leg in self.legs.model.legs(call.call_id):
            if leg.agent is not None and leg.bridge_id is not None:
                peer = self.legs.peer(leg)
                if peer is not None:
                    return peer
        raise CallStateError(f"call {call.call_id} has no caller to take", call_id=call.call_id)

    async def _audited(
        self,
        supervisor: UserView,
        action: str,
        call_id: str | None,
        agent: str | None,
        work: Callable[[], Awaitable[T]],
        *,
        detail: str | None = None,
    ) -> T:
        try:
            result = await work()
        except CrmError as error:
            outcome = "refused" if error.status < 500 else "failed"
            await self._crm.supervisor_audit.record(
                supervisor=supervisor.login, action=action, outcome=outcome, call_id=call_id,
                agent=agent, detail=f"{error.error_id}: {error.message}",
            )  # fmt: skip
            raise
        await self._crm.supervisor_audit.record(
            supervisor=supervisor.login, action=action, outcome="done", call_id=call_id,
            agent=agent, detail=detail,
        )  # fmt: skip
        return result


__all__ = ["SpySession", "SupervisorService"]
