"""Finding a call's legs in the model: the agent's own leg, the far end, a consulted party.

Every action first reads the call from the model: an unknown call is 404, an ended one
409, and an agent with no leg in it 403. Channel names (what AMI actions take) come from
the model, never from a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cti.model import CallCentreModel, CallView, ChannelView
from cti.service.call_errors import (
    CallEndedError,
    CallNotFoundError,
    CallStateError,
    NotOnCallError,
)


class CallLegs:
    """Reads calls and legs from the model for the control services."""

    def __init__(self, *, model: CallCentreModel, clock: Callable[[], float] = time.time) -> None:
        self.model = model
        self.clock = clock

    def live(self, call_id: str) -> CallView:
        """The live call, or 409 when it has ended, 404 when never seen."""
        call = self.model.call(call_id, self.clock())
        if call is not None:
            return call
        if self.model.has_ended(call_id):
            raise CallEndedError(f"call {call_id} has ended", call_id=call_id)
        raise CallNotFoundError(f"no call {call_id}", call_id=call_id)

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


__all__ = ["CallLegs"]
