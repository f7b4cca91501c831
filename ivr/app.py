"""The IVR's wiring: every flow on its route, with the CRM services and settings injected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from crm_core.wiring import Crm
from ivr.config import IvrConfig
from ivr.flows.campaign_survey import campaign_survey_flow
from ivr.flows.common import FlowDeps
from ivr.flows.inbound import inbound_flow
from ivr.flows.points import points_flow
from ivr.flows.survey import survey_flow
from ivr.server import AgiServer

FLOWS = {
    "points": points_flow,
    "survey": survey_flow,
    "inbound": inbound_flow,
    "campaign-survey": campaign_survey_flow,
}
"""Route name (``AGI(agi://host:port/NAME)``) → flow."""


def build_ivr(
    *,
    crm: Crm,
    config: IvrConfig,
    host: str = "127.0.0.1",
    port: int = 4573,
    secret: str | None = None,
    max_sessions: int | None = None,
    survey_started: Callable[[str], None] | None = None,
) -> AgiServer:
    """A FastAGI server serving every flow over ``crm`` with ``config``.

    The flows read the time from the CRM's clock, so tests that move it move the IVR too.
    """
    deps = FlowDeps(crm=crm, config=config, clock=lambda: crm.points.clock())
    if survey_started is not None:
        deps = replace(deps, survey_started=survey_started)
    routes = {name: partial(flow, deps=deps) for name, flow in FLOWS.items()}
    return AgiServer(host=host, port=port, secret=secret, routes=routes, max_sessions=max_sessions)
