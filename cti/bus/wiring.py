"""What a domain's ``plugin.load`` receives, and where it registers its parts.

The composition root (`cti.service`) builds one :class:`Wiring` with the shared core
(settings, CRM, AMI client, bridge, hub, agent directory, call legs) and hands it to
each domain's ``load`` in turn. A domain registers its routes, its bus listeners and
the parts that run with the service; it never reaches into another domain: what it
needs of one is passed to its ``load`` by keyword, typed by a protocol of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from crm_core.wiring import Crm
from cti.ami import AmiClient
from cti.bus.bridge import Listener, TelephonyBridge
from cti.bus.directory import AgentDirectory
from cti.bus.legs import CallLegs
from cti.http.pushes import Pushes
from cti.http.routes import Route
from cti.model import CallCentreModel
from cti.settings import Settings


class Part(Protocol):
    """Something that runs while the service runs (a worker, a server)."""

    async def start(self) -> None:
        """Start running."""
        ...

    async def stop(self) -> None:
        """Stop; work in flight ends first."""
        ...


@dataclass(frozen=True)
class Running:
    """A registered part: ``entrance`` parts take work from outside (FastAGI) and stop first."""

    part: Part
    entrance: bool = False


@dataclass
class Wiring:
    """The shared core, and the routes, listeners and parts the domains register."""

    settings: Settings
    crm: Crm
    client: AmiClient
    bridge: TelephonyBridge
    hub: Pushes
    agents: AgentDirectory
    legs: CallLegs
    routes: list[Route] = field(default_factory=list)
    running: list[Running] = field(default_factory=list)
    drains: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    collectors: list[Any] = field(default_factory=list)
    """Prometheus collectors ``/metrics`` reads besides the statistics' own (the node's)."""

    @property
    def model(self) -> CallCentreModel:
        """The call-centre model the bridge feeds."""
        return self.bridge.model

    def add_routes(self, routes: tuple[Route, ...]) -> None:
        """Serve ``routes`` in the API."""
        self.routes.extend(routes)

    def listen(self, listener: Listener) -> None:
        """Hand ``listener`` every domain event, in order (it must not block)."""
        self.bridge.listen(listener)

    def run(self, part: Part, *, entrance: bool = False) -> None:
        """Start ``part`` with the service and stop it with the service.

        Parts start in the order registered, before the AMI connection opens; an
        ``entrance`` stops before the AMI connection closes, the others after it.
        """
        self.running.append(Running(part, entrance))

    def drain(self, drain: Callable[[], Awaitable[None]]) -> None:
        """Await ``drain()`` at shutdown, once no more events come: writes in flight end."""
        self.drains.append(drain)


__all__ = ["Part", "Running", "Wiring"]
