"""Wiring of call control: the soft-phone bar's actions on an agent's own calls."""

from __future__ import annotations

from cti.bus.wiring import Wiring
from cti.calls.http import call_routes
from cti.calls.policy import OutsideCallGuard
from cti.calls.services import CallControl, TransferPops


def load(wiring: Wiring, *, pops: TransferPops) -> CallControl:
    """Dial, hold, transfer (popping the caller at the agent it goes to), conference, hang up;
    outside numbers only as the destination policy allows."""
    outside = OutsideCallGuard(wiring.settings.dialling, audit=wiring.crm.supervisor_audit)
    calls = CallControl(
        client=wiring.client, bridge=wiring.bridge, legs=wiring.legs, users=wiring.crm.users,
        screen_pop=pops, outside=outside,
        dial_caller_id=wiring.settings.phone.dial_caller_id,
    )  # fmt: skip
    wiring.listen(calls)
    wiring.add_routes(call_routes(calls))
    return calls


__all__ = ["load"]
