"""Agent basics: sign in to / out of queues, pause with a reason, end wrap-up with a code.

Every action goes to Asterisk with the agent's own phone interface (from their user
record) and display name. Values are checked before anything is sent: the `Action`
builder refuses CR/LF, and the API's bodies refuse control characters first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from crm_core.calls.schemas import CallView
from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.ami import (
    Action,
    AmiActionError,
    AmiClient,
    AmiDisconnectedError,
    AmiError,
    AmiValueError,
)
from cti.http.errors import ApiError, ForbiddenError, InvalidBodyError
from cti.service.telephony import TelephonyBridge
from cti.service.users import AgentDirectory


class NoPhoneError(ApiError):
    """The user has no phone interface in their user record."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "no-phone-interface"


class NoQueuesError(ApiError):
    """Signing in needs at least one queue: the request's or the user's memberships."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "no-queues"


class NotYourCallError(ApiError):
    """The call is not (or no longer) one the agent is on."""

    status: ClassVar[int] = 404
    error_id: ClassVar[str] = "no-such-call"


SURVEY_OPT_IN = "CTIDESK_SURVEY"
"""Channel variable the IVR's survey flow reads: ``yes`` when the agent opted the caller in."""


class TelephonyUnavailableError(ApiError):
    """Asterisk is not connected, or it refused the action."""

    status: ClassVar[int] = 503
    error_id: ClassVar[str] = "telephony-unavailable"


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

    async def sign_in(self, user: UserView, queues: Sequence[str] | None = None) -> list[str]:
        """Add the user's phone to ``queues`` (default: their memberships); the queues joined."""
        interface = _interface(user)
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
        interface = _interface(user)
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
        interface = _interface(user)
        try:
            action = Action("QueuePause", Interface=interface, Paused=True, Reason=reason)
        except AmiValueError as error:
            raise InvalidBodyError(str(error), field="reason") from None
        await self._send(action)

    async def unpause(self, user: UserView) -> None:
        """Unpause the user's phone in every queue."""
        await self._send(Action("QueuePause", Interface=_interface(user), Paused=False))

    async def wrap_up(
        self, user: UserView, call_id: str, disposition: str, note: str | None = None
    ) -> CallView:
        """Close the call with a disposition (and note) and end the user's wrap-up now."""
        view = await self._crm.calls.set_disposition(
            call_id, disposition, note=note, agent_login=user.login
        )
        if user.interface is not None:
            self._bridge.publish(self._bridge.model.end_wrapup(user.interface, self._clock()))
        return view

    async def opt_in_survey(self, user: UserView, call_id: str) -> None:
        """Send the caller of the agent's current call to the post-call survey afterwards
        (for queues whose survey policy is ``opt-in``)."""
        interface = _interface(user)
        snapshot = self._bridge.model.snapshot(self._clock())
        call = next((c for c in snapshot.calls if c.call_id == call_id), None)
        if call is None or call.agent != interface:
            raise NotYourCallError(f"{user.login} is not on call {call_id}", call_id=call_id)
        caller = next((c for c in snapshot.channels if c.uniqueid == call.call_id), None)
        if caller is None:
            raise NotYourCallError(f"the caller of {call_id} has gone", call_id=call_id)
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
        try:
            await self._client.send(action)
        except AmiActionError as error:
            message = error.response.get("Message")
            if harmless is not None and harmless in message.lower():
                return
            raise TelephonyUnavailableError(
                f"Asterisk refused {action.name}: {message}", action=action.name
            ) from None
        except AmiDisconnectedError as error:
            raise TelephonyUnavailableError(str(error), action=action.name) from None
        except AmiError as error:
            raise TelephonyUnavailableError(str(error), action=action.name) from None


def _interface(user: UserView) -> str:
    if user.interface is None:
        raise NoPhoneError(f"{user.login} has no phone interface in their user record")
    return user.interface
