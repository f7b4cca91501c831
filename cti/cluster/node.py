"""This process as one node on the bus: what the composition root starts when
``[nats] url`` is set.

It connects the bus, learns which consoles are open where (presence), and by role: as an
edge, claims its Asterisk (``systemname`` and lease) and answers control requests for its
calls; as a gateway, follows its consoles' subjects; as a worker, contends for the
singletons and runs those it holds. Every node answers status requests
and sends heartbeats. The domains push through :attr:`ClusterNode.pushes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg

from crm_core.leases.services import NodeLeases
from cti.cluster import subjects
from cti.cluster.connection import Bus
from cti.cluster.control import ControlResponder, forwarding_middleware
from cti.cluster.edge import lease_name, system_name_of
from cti.cluster.gateway import GatewayRelay
from cti.cluster.lease import HeldLease
from cti.cluster.presence import Presence
from cti.cluster.pushes import BusPushes
from cti.cluster.singletons import SingletonJob, Singletons
from cti.cluster.status import NodeStatus, service_version
from cti.cluster.views import ClusterViews, EdgeDirectory, LiveReader, SnapshotResponder
from cti.http.hub import WebSocketHub
from cti.settings import Settings

log = logging.getLogger(__name__)


class ClusterNode:
    """The node's bus, presence, edge claim, control answers, gateway relay and heartbeats."""

    def __init__(
        self,
        *,
        settings: Settings,
        hub: WebSocketHub,
        leases: NodeLeases,
        jobs: list[SingletonJob] | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.node.name or socket.gethostname()
        self.instance = f"{self.name}:{secrets.token_hex(4)}"
        self.roles = settings.node.role_set()
        self._hub = hub
        self._leases = leases
        self.bus = Bus(settings=settings.nats, node=self.name)
        heartbeat = settings.node.heartbeat_seconds
        local = hub.connections_of if "gateway" in self.roles else (lambda _login: 0)
        self.presence = Presence(node=self.name, local=local, stale_after=3 * heartbeat)
        self.pushes = BusPushes(bus=self.bus, presence=self.presence, origin=self.instance)
        self.relay = GatewayRelay(bus=self.bus, hub=hub, node=self.name) if (
            "gateway" in self.roles) else None  # fmt: skip
        self.system: str | None = None
        self.edge_lease: HeldLease | None = None
        self.responder: ControlResponder | None = None
        self.singletons = (
            Singletons(leases=leases, holder=self.instance, jobs=jobs or [],
                       lease_seconds=settings.node.lease_seconds)
            if "worker" in self.roles else None
        )  # fmt: skip
        self.edges = EdgeDirectory(stale_after=3 * heartbeat)
        self.views = ClusterViews(
            bus=self.bus, edges=self.edges, within=min(settings.nats.request_timeout, 2.0)
        ) if "gateway" in self.roles else None  # fmt: skip
        self._repairs: set[asyncio.Task[int]] = set()
        self._started_at = time.time()
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def hub(self) -> WebSocketHub:
        """This node's consoles."""
        return self._hub

    @property
    def is_edge(self) -> bool:
        """Whether this node is the edge of an Asterisk."""
        return "edge" in self.roles

    def middleware(self) -> object:
        """The API middleware that sends another Asterisk's call control to its edge."""
        return forwarding_middleware(bus=self.bus, own_system=lambda: self.system)

    async def start(
        self,
        *,
        api_url: Callable[[], str],
        lease_lost: Callable[[], Awaitable[None]],
        live_state: LiveReader | None = None,
    ) -> None:
        """Join the bus; as an edge, claim the Asterisk first (:class:`EdgeClaimError`,
        :class:`LeaseLostError`: another edge has it) and answer snapshots of
        ``live_state``; as a gateway, repair its supervisors' views after each gap."""
        await self.bus.start()
        await self.bus.subscribe(subjects.PRESENCE, self.presence.heard)
        await self.bus.subscribe(subjects.NODE_STATUS, self._answer_status)
        await self.bus.subscribe(subjects.HEARTBEAT, self._heard_beat)
        if self.views is not None:
            self.bus.on_status(lambda online: self._repair() if online else None)
            self.bus.on_gap(self._repair)
        if self.is_edge:
            ami = self.settings.ami
            self.system = await system_name_of(ami, within=ami.connect_timeout * 2)
            self.edge_lease = HeldLease(
                leases=self._leases, name=lease_name(self.system), holder=self.instance,
                seconds=self.settings.node.lease_seconds, on_lost=lease_lost,
            )  # fmt: skip
            await self.edge_lease.take()
            self.responder = ControlResponder(bus=self.bus, system=self.system, api_url=api_url)
            await self.responder.start()
            if live_state is not None:
                await SnapshotResponder(bus=self.bus, system=self.system, state=live_state).start()
        if self.relay is not None:
            await self.relay.start()
        if self.singletons is not None:
            await self.singletons.start()
        self._heartbeat = asyncio.create_task(self._beat_forever(), name="node-heartbeat")
        log.info("node %s joined the bus as %s%s", self.name, ", ".join(sorted(self.roles)),
                 f" of Asterisk {self.system}" if self.system else "")  # fmt: skip

    async def stop(self) -> None:
        """Leave the bus: stop the singletons and answering, give up the leases, publish
        what is queued."""
        if self.singletons is not None:
            await self.singletons.stop()
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        if self.responder is not None:
            await self.responder.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.edge_lease is not None:
            with contextlib.suppress(Exception):  # the database away: the lease lapses
                await self.edge_lease.release()
        await self.bus.stop()

    def status(self) -> NodeStatus:
        """This node now."""
        return NodeStatus(
            node=self.name, instance=self.instance, roles=tuple(sorted(self.roles)),
            asterisk=self.system, version=service_version(), started_at=self._started_at,
            consoles=sum(self._hub.consoles().values()), published=self.bus.published,
            dropped=self.bus.dropped, sent_at=time.time(),
        )  # fmt: skip

    def _repair(self) -> None:
        """A gap in the live events: gather the edges' snapshots for the consoles here."""
        if self.views is not None:
            task = asyncio.create_task(self.views.repair(self._hub), name="views-repair")
            self._repairs.add(task)
            task.add_done_callback(self._repairs.discard)

    async def repaired(self) -> None:
        """Wait for the repairs of the views under way now (after a gap) to end."""
        await asyncio.gather(*self._repairs, return_exceptions=True)

    async def _heard_beat(self, message: Msg) -> None:
        with contextlib.suppress(ValueError):
            self.edges.heard(NodeStatus.decode(message.data).asterisk)

    async def _answer_status(self, message: Msg) -> None:
        if message.reply:
            await message.respond(self.status().encode())

    async def _beat_forever(self) -> None:
        while True:
            self.bus.publish(subjects.HEARTBEAT, self.status().encode())
            if self.relay is not None:
                self.relay.publish_presence()
            await asyncio.sleep(self.settings.node.heartbeat_seconds)


__all__ = ["ClusterNode"]
