"""Agent basics: sign in to / out of queues, pause with a reason, end wrap-up with a code.

Every action goes to Asterisk with the agent's own phone interface (from their user
record) and display name. Values are checked before anything is sent: the `Action`
builder refuses CR/LF, and the API's bodies refuse control characters first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from crm_core.calls.schemas import CallRecordView
from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.agents.errors import InWrapupError, NoQueuesError
from cti.ami import (
    Action,
    AmiClient,
    AmiValueError,
)
from cti.bus.actions import TelephonyUnavailableError, phone_of, send_action
from cti.bus.bridge import TelephonyBridge
from cti.bus.dialplan import SURVEY_OPT_IN
from cti.bus.directory import AgentDirectory
from cti.bus.legs import LiveCallNotFoundError
from cti.http.errors import ForbiddenError, InvalidBodyError
from cti.model import AgentStatus, Snapshot

log = logging.getLogger(__name__)


class AgentService:
    """What an agent does to their own queue membership and wrap-up."""

    def __init__(
        self,
        *,
        client: AmiClient,
        bridge: TelephonyBridge,
        crm: Crm,
        agents: AgentDirectory,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._bridge = bridge
        self._crm = crm
        self._agents = agents
        self._clock = clock
        self._wrapped_up: list[Callable[[str], None]] = []

    def on_wrapped_up(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(interface)`` when an agent closes a call with its disposition
        (the dialer ends the wrap-up of an agent seated in a campaign room)."""
        self._wrapped_up.append(listener)

    async def sign_in(self, user: UserView, queues: Sequence[str] | None = None) -> list[str]:
        """Add the user's phone to ``queues`` (default: their memberships); the queues joined."""
        interface = phone_of(user)
        wanted = self._queues(user, queues)
        self._agents.remember(user)
        for queue in wanted:
            action = Action(
                "QueueAdd",
                Queue=queue,
                Interface=interface,
                MemberName=user.display_name,
                Penalty=user.penalty_in(queue) or 0,
            )
            await self._send(action, harmless="already there")
        return wanted

    async def sign_out(self, user: UserView, queues: Sequence[str] | None = None) -> list[str]:
        """Remove the user's phone from ``queues`` (default: every queue it is in)."""
        interface = phone_of(user)
        if queues is None:
            agent = self._bridge.model.agent(interface, self._clock())
            wanted = list(agent.queues) if agent is not None else []
            wanted = wanted or [membership.queue for membership in user.queues]
        else:
            wanted = list(queues)
        for queue in wanted:
            await self._send(
                Action("QueueRemove", Queue=queue, Interface=interface), harmless="not there"
            )
        self._agents.forget(interface)
        return wanted

    async def pause(self, user: UserView, reason: str) -> None:
        """Pause the user's phone in every queue, with ``reason``."""
        interface = phone_of(user)
        try:
            action = Action("QueuePause", Interface=interface, Paused=True, Reason=reason)
        except AmiValueError as error:
            raise InvalidBodyError(str(error), field="reason") from None
        await self._send(action)

    async def unpause(self, user: UserView) -> None:
        """Unpause the user's phone in every queue; refused during wrap-up."""
        interface = phone_of(user)
        agent = self._bridge.model.agent(interface, self._clock())
        if agent is not None and agent.state is AgentStatus.WRAP_UP:
            raise InWrapupError(
                f"{user.login} is in wrap-up: send the disposition (POST /api/agent/wrapup)"
                " to take calls again",
                call_id=agent.call_id,
            )
        await self._send(Action("QueuePause", Interface=interface, Paused=False))

    async def wrap_up(
        self, user: UserView, call_id: str, disposition: str, note: str | None = None
    ) -> CallRecordView:
        """Close the call with a disposition (and note) and end the user's wrap-up now."""
        view = await self._crm.calls.set_disposition(
            call_id, disposition, note=note, agent_login=user.login
        )
        if user.interface is not None:
            self._bridge.publish(self._bridge.model.end_wrapup(user.interface, self._clock()))
            for listener in self._wrapped_up:
                listener(user.interface)
        return view

    async def restore_sign_ins(self, before: Snapshot) -> None:
        """Put back the queue members (and their pauses) an Asterisk restart forgot.

        Register with ``TelephonyBridge.on_asterisk_restart``: agents stay signed in
        across a restart of Asterisk as they do across a restart of the service.
        """
        now = self._clock()
        for queue in before.queues:
            current = self._bridge.model.queue(queue.name, now)
            present = {m.interface for m in current.members} if current is not None else set()
            for member in queue.members:
                if member.interface in present or member.membership != "dynamic":
                    continue  # static members come back with Asterisk's own configuration
                try:
                    await self._send(
                        Action(
                            "QueueAdd",
                            Queue=queue.name,
                            Interface=member.interface,
                            MemberName=member.name,
                            Penalty=member.penalty,
                        ),
                        harmless="already there",
                    )
                    if member.paused:
                        await self._send(
                            Action(
                                "QueuePause",
                                Queue=queue.name,
                                Interface=member.interface,
                                Paused=True,
                                Reason=member.paused_reason,
                            )
                        )
                except TelephonyUnavailableError as error:
                    log.warning("could not sign %s back in: %s", member.interface, error)

    async def opt_in_survey(self, user: UserView, call_id: str) -> None:
        """Send the caller of the agent's current call to the post-call survey afterwards
        (for queues whose survey policy is ``opt-in``)."""
        interface = phone_of(user)
        model = self._bridge.model
        call = model.call(call_id, self._clock())
        if call is None or call.agent != interface:
            raise LiveCallNotFoundError(f"{user.login} is not on call {call_id}", call_id=call_id)
        caller = model.channel(call.call_id)  # the call's first channel: the caller's
        if caller is None:
            raise LiveCallNotFoundError(f"the caller of {call_id} has gone", call_id=call_id)
        await self._send(Action("Setvar", Channel=caller.name, Variable=SURVEY_OPT_IN, Value="yes"))

    def _queues(self, user: UserView, queues: Sequence[str] | None) -> list[str]:
        own = [membership.queue for membership in user.queues]
        if queues is None:
            if not own:
                raise NoQueuesError(f"{user.login} is in no queue: name the queues to sign in to")
            return own
        wanted = list(dict.fromkeys(queues))
        if not wanted:
            raise NoQueuesError("name at least one queue")
        others = [queue for queue in wanted if queue not in own]
        if others and user.role is Role.AGENT:
            raise ForbiddenError(
                f"{user.login} is not a member of queue {others[0]}", queues=others
            )
        return wanted

    async def _send(self, action: Action, *, harmless: str | None = None) -> None:
        await send_action(self._client, action, harmless=harmless)


__all__ = ["AgentService"]
