"""Wiring of the IVR bridge: the FastAGI server Asterisk calls, and the call-back tasks."""

from __future__ import annotations

from collections.abc import Callable

from cti.bus.wiring import Wiring
from cti.ivr.http import IVR_ROUTES
from cti.ivr.services import SecretRequired, ivr_for
from ivr.server import AgiServer


def load(wiring: Wiring, *, survey_started: Callable[[str], None]) -> AgiServer:
    """Serve FastAGI (only with a shared secret; it stops taking sessions first at
    shutdown) and the call-back routes."""
    server = ivr_for(wiring.settings, wiring.crm, survey_started=survey_started)
    wiring.run(SecretRequired(server, wiring.settings.agi.secret), entrance=True)
    wiring.add_routes(IVR_ROUTES)
    return server


__all__ = ["load"]
