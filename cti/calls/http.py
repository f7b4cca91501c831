"""Call control routes: the soft-phone bar (dial, hold, transfer, conference, hang up, DTMF).

``{id}`` is the call id (Asterisk's linked id) from the screen pop, the wall-board or
the dial response. Unknown calls are 404, calls that ended meanwhile 409, calls the
agent is not on 403.
"""

from __future__ import annotations

from typing import Protocol

from crm_core.staff.schemas import UserView
from cti.calls.schemas import (
    CALL_ACTION,
    DIAL,
    CallActionResult,
    ConferenceBody,
    DialResult,
    DtmfBody,
    TransferBody,
)
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import Caller, Route, Services, call_id_of, on_call
from cti.http.schemas import DialBody


class CallActions(Protocol):
    """What the routes call: :class:`cti.calls.services.CallControl`."""

    async def dial(self, user: UserView, number: str) -> DialResult: ...
    async def hold(self, user: UserView, call_id: str) -> CallActionResult: ...
    async def retrieve(self, user: UserView, call_id: str) -> CallActionResult: ...
    async def transfer(
        self, user: UserView, call_id: str, target: str, mode: str, note: str | None = None
    ) -> CallActionResult: ...
    async def complete_transfer(self, user: UserView, call_id: str) -> CallActionResult: ...
    async def cancel_transfer(self, user: UserView, call_id: str) -> CallActionResult: ...
    async def conference(self, user: UserView, call_id: str, target: str) -> CallActionResult: ...
    async def hang_up(self, user: UserView, call_id: str) -> CallActionResult: ...
    async def send_dtmf(self, user: UserView, call_id: str, digits: str) -> CallActionResult: ...


def call_routes(calls: CallActions) -> tuple[Route, ...]:
    """``POST /api/calls/dial`` and ``POST /api/calls/{id}/…`` over ``calls``."""

    async def dial(_services: Services, caller: Caller) -> DialResult:
        """Click-to-dial: ring the agent's phone, then the number."""
        body = await json_body(caller.request, DialBody)
        return await calls.dial(caller.staff, body.number)

    async def transfer(_services: Services, caller: Caller) -> CallActionResult:
        """Transfer blind, or start an attended transfer (consult)."""
        body = await json_body(caller.request, TransferBody)
        return await calls.transfer(
            caller.staff, call_id_of(caller), body.target, body.mode, body.note
        )

    async def conference(_services: Services, caller: Caller) -> CallActionResult:
        """Bring a third party into a conference with the call."""
        body = await json_body(caller.request, ConferenceBody)
        return await calls.conference(caller.staff, call_id_of(caller), body.target)

    async def dtmf(_services: Services, caller: Caller) -> CallActionResult:
        """Send DTMF digits to the far end."""
        body = await json_body(caller.request, DtmfBody)
        return await calls.send_dtmf(caller.staff, call_id_of(caller), body.digits)

    hold = on_call("hold", calls.hold)
    retrieve = on_call("retrieve", calls.retrieve)
    complete = on_call("complete_transfer", calls.complete_transfer)
    cancel = on_call("cancel_transfer", calls.cancel_transfer)
    hangup = on_call("hangup", calls.hang_up)
    live = (400, 403, 404, 409, 503)
    base = "/api/calls/{id}"
    return (
        Route("POST", "/api/calls/dial", dial, "Click-to-dial from the agent's phone",
              roles=STAFF, body=DialBody, response=DIAL, errors=(400, 403, 404, 409, 503)),
        Route("POST", f"{base}/hold", hold, "Hold the other party", roles=STAFF,
              response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/retrieve", retrieve, "Retrieve the held party", roles=STAFF,
              response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/transfer", transfer, "Transfer (blind) or consult (attended)",
              roles=STAFF, body=TransferBody, response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/transfer/complete", complete, "Complete an attended transfer",
              roles=STAFF, response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/transfer/cancel", cancel, "Cancel an attended transfer",
              roles=STAFF, response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/conference", conference, "Conference a third party in",
              roles=STAFF, body=ConferenceBody, response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/hangup", hangup, "Hang up your leg", roles=STAFF,
              response=CALL_ACTION, errors=live),
        Route("POST", f"{base}/dtmf", dtmf, "Send DTMF to the other party", roles=STAFF,
              body=DtmfBody, response=CALL_ACTION, errors=live),
    )  # fmt: skip


__all__ = ["CallActions", "call_routes"]
