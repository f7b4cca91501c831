"""A live call's legs, read from the model, and actions on them that know the call may end.

Every action first reads the call from the model: an unknown call is 404, an ended one
409, and an agent with no leg in it 403. Channel names (what AMI actions take) come from
the model, never from a request. Call control, supervision and recording all act on
calls through :class:`CallLegs`, so these checks and statuses are the same for each.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import ClassVar

from cti.ami import Action, AmiClient, AmiMessage
from cti.bus.actions import TelephonyUnavailableError, channel_vanished, send_action
from cti.http.errors import ApiError
from cti.model import CallCentreModel, CallView, ChannelView


class LiveCallNotFoundError(ApiError):
    """The service knows no live or ended call with this id, or none the user is on."""

    status: ClassVar[int] = 404
    error_id: ClassVar[str] = "call-not-found"


class CallEndedError(ApiError):
    """The call ended before (or while) the action was carried out; nothing changed."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "call-ended"


class CallStateError(ApiError):
    """The call is not in a state that allows this action (not held, no consult call…)."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "call-state"


class NotOnCallError(ApiError):
    """The agent has no leg in this call."""

    status: ClassVar[int] = 403
    error_id: ClassVar[str] = "not-on-call"


class CallLegs:
    """Reads calls and legs from the model, and acts on them through AMI."""

    def __init__(
        self,
        *,
        client: AmiClient,
        model: CallCentreModel,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.model = model
        self.clock = clock

    def live(self, call_id: str) -> CallView:
        """The live call, or 409 when it has ended, 404 when never seen."""
        call = self.model.call(call_id, self.clock())
        if call is not None:
            return call
        if self.model.has_ended(call_id):
            raise CallEndedError(f"call {call_id} has ended", call_id=call_id)
        raise LiveCallNotFoundError(f"no call {call_id}", call_id=call_id)

    def gone(self, call_id: str) -> bool:
        """Whether the call is no longer live (ended or forgotten)."""
        return self.model.call(call_id, self.clock()) is None

    def agent_leg(self, call: CallView, interface: str | None) -> ChannelView:
        """The leg of ``interface`` on the call (the one bridged, else the first); 403 if none."""
        owned = [
            leg
            for leg in self.model.legs(call.call_id)
            if interface is not None and leg.agent == interface and leg.spying_on is None
        ]
        if not owned:
            raise NotOnCallError(
                f"{interface or 'a user without a phone'} is not on call {call.call_id}",
                call_id=call.call_id,
            )
        bridged = [leg for leg in owned if leg.bridge_id is not None or leg.conference]
        ones = [leg for leg in owned if leg.name.endswith(";1") or "/" not in leg.name]
        return (bridged or ones or owned)[0]

    def peer(self, leg: ChannelView) -> ChannelView | None:
        """The channel bridged with ``leg`` that is not the same agent's, if any."""
        peers = [p for p in self.model.bridge_peers(leg.uniqueid) if p.agent != leg.agent]
        return peers[0] if peers else None

    def far_end(self, call: CallView, leg: ChannelView) -> ChannelView:
        """The party the agent talks to (bridged with the agent's leg); 409 if there is none."""
        peer = self.peer(leg)
        if peer is None:
            raise CallStateError(
                f"call {call.call_id} has no party bridged with {leg.name}", call_id=call.call_id
            )
        return peer

    def channel(self, uniqueid: str) -> ChannelView | None:
        """A live channel by Uniqueid."""
        return self.model.channel(uniqueid)

    async def act(self, call_id: str, action: Action) -> AmiMessage | None:
        """Send ``action`` and give Asterisk's answer; a refusal because the call ended
        meanwhile is :class:`CallEndedError` (409)."""
        try:
            return await send_action(self.client, action)
        except TelephonyUnavailableError as error:
            if self.gone(call_id) or channel_vanished(error):
                raise CallEndedError(
                    f"call {call_id} ended before {action.name} was carried out", call_id=call_id
                ) from None
            raise

    async def hang_up_quietly(self, channel: ChannelView) -> None:
        """Hang ``channel`` up if it is still there; one already gone is no error."""
        if self.channel(channel.uniqueid) is None:
            return
        with contextlib.suppress(TelephonyUnavailableError):  # gone already
            await send_action(self.client, Action("Hangup", Channel=channel.name, Cause=16))


__all__ = [
    "CallEndedError",
    "CallLegs",
    "CallStateError",
    "LiveCallNotFoundError",
    "NotOnCallError",
]
