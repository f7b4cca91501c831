"""Wiring of the screen pop: the caller lookup and the pops it sends to ringing agents."""

from __future__ import annotations

from dataclasses import dataclass

from cti.bus.wiring import Wiring
from cti.screen_pop.http import screen_pop_routes
from cti.screen_pop.lookup import CallerLookup
from cti.screen_pop.services import ScreenPopService


@dataclass(frozen=True)
class ScreenPopDomain:
    """The screen pop's service and the per-call caller lookup it shares."""

    service: ScreenPopService
    callers: CallerLookup


def load(wiring: Wiring) -> ScreenPopDomain:
    """Look callers up as they queue, pop them where their calls ring, serve a call's pop."""
    callers = CallerLookup(crm=wiring.crm, inbound_media=wiring.settings.phone.inbound_media)
    service = ScreenPopService(
        hub=wiring.hub, callers=callers, agents=wiring.agents, legs=wiring.legs
    )
    wiring.listen(service)
    wiring.drain(service.drain)
    wiring.add_routes(screen_pop_routes(service))
    return ScreenPopDomain(service=service, callers=callers)


__all__ = ["ScreenPopDomain", "load"]
