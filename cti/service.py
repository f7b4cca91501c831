"""The composition root: settings → CRM → AMI client → model → the domains → HTTP API.

`CtiService` is the list of domains it loads, each given the shared core (a
:class:`~cti.bus.wiring.Wiring`) and, by keyword, what it needs of the domains loaded
before it. The domains register their routes, bus listeners and running parts; this
module starts and stops them in order. `serve` runs the service until SIGINT or SIGTERM.
Nothing here is module-level state: each service instance holds its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from datetime import timedelta

from aiohttp import web

from crm_core.wiring import Crm, build_crm
from cti.agents import plugin as agents_plugin
from cti.agents.http import AgentActions, agent_routes
from cti.ami import AmiClient
from cti.bus.bridge import TelephonyBridge
from cti.bus.directory import AgentDirectory
from cti.bus.legs import CallLegs
from cti.bus.wiring import Running, Wiring
from cti.call_log import plugin as call_log_plugin
from cti.call_log.http import CALL_LOG_ROUTES
from cti.calls import plugin as calls_plugin
from cti.cards import plugin as cards_plugin
from cti.cards.http import card_routes
from cti.cards.notifier import CardNotifier
from cti.cards.services import CardDesk
from cti.cluster.jobs import worker_jobs
from cti.cluster.metrics import NodeCollector
from cti.cluster.node import ClusterNode
from cti.cluster.topology import check_topology
from cti.crm import plugin as crm_plugin
from cti.dialer import plugin as dialer_plugin
from cti.http.app import build_app, start_site
from cti.http.hub import WebSocketHub
from cti.http.routes import Route
from cti.ivr import plugin as ivr_plugin
from cti.ivr.http import IVR_ROUTES
from cti.live import plugin as live_plugin
from cti.live.http import LIVE_PATHS, gathered_live_routes, live_routes
from cti.live.state import LiveState
from cti.model import CallCentreModel
from cti.recordings import plugin as recordings_plugin
from cti.screen_pop import plugin as screen_pop_plugin
from cti.screen_pop.http import CallPops, screen_pop_routes
from cti.screen_pop.lookup import member_summary
from cti.settings import Settings
from cti.statistics import plugin as statistics_plugin
from cti.supervisor import plugin as supervisor_plugin

log = logging.getLogger(__name__)


def crm_for(settings: Settings) -> Crm:
    """The CRM services over the configured database."""
    return build_crm(
        database_url=settings.database.connect_url(),
        default_region=settings.phone.default_region,
        points_validity_days=settings.loyalty.points_validity_days,
        token_ttl=timedelta(hours=settings.api.token_ttl_hours),
        token_idle_timeout=settings.logins.idle_timeout(),
        login_throttle=settings.logins.throttle_policy(),
        hashing=settings.logins.hashing(),
        echo=settings.database.echo,
        points_limits=settings.points.limits(),
        card_tap_window=timedelta(minutes=settings.cards.tap_verifies_minutes),
    )


def make_app(
    *,
    crm: Crm,
    live_state: LiveState | None = None,
    agents: AgentActions | None = None,
    pops: CallPops | None = None,
    routes: tuple[Route, ...] = (),
    hub: WebSocketHub | None = None,
    ws_queue_size: int = 256,
    ws_heartbeat: float = 20.0,
    ws_auth_timeout: float = 5.0,
    ws_recheck: float = 60.0,
    member_reads_per_minute: int = 120,
) -> web.Application:
    """The API without telephony: the routes that need only the CRM (members, points,
    notes, requests, knowledge, surveys, dispositions, call records, call-backs); the
    live-state, agent and call-pop routes too when given, and any other ``routes``; the
    card routes (a card pop needs no telephony)."""
    hub = hub or WebSocketHub(
        authenticate=crm.users.authenticate, queue_size=ws_queue_size, heartbeat=ws_heartbeat,
        auth_timeout=ws_auth_timeout, recheck=ws_recheck,
    )  # fmt: skip
    cards = CardDesk(crm=crm, notifier=CardNotifier(hub=hub), summaries=member_summary)
    routes = crm_plugin.ROUTES + CALL_LOG_ROUTES + IVR_ROUTES + card_routes(cards) + routes
    routes += live_routes(live_state) if live_state is not None else ()
    routes += agent_routes(agents) if agents is not None else ()
    routes += screen_pop_routes(pops) if pops is not None else ()
    return build_app(
        crm=crm, routes=routes, hub=hub, ws_queue_size=ws_queue_size, ws_heartbeat=ws_heartbeat,
        ws_auth_timeout=ws_auth_timeout, ws_recheck=ws_recheck,
        member_reads_per_minute=member_reads_per_minute,
    )  # fmt: skip


class CtiService:
    """Every part of the running service, wired by keyword; `start` then `stop`."""

    def __init__(self, settings: Settings, *, crm: Crm | None = None) -> None:
        check_topology(settings)
        self.settings = settings
        self.crm = crm or crm_for(settings)
        self._owns_crm = crm is None
        self.client = AmiClient(settings.ami)
        telephony = settings.telephony
        self.model = CallCentreModel(
            wrapup_seconds=telephony.wrapup_seconds,
            default_wrapup=telephony.default_wrapup_seconds,
            inbound_contexts=telephony.inbound_contexts,
            service_levels=telephony.service_level,
            default_service_level=telephony.service_level_seconds,
        )
        self.bridge = TelephonyBridge(client=self.client, model=self.model)
        self.agent_directory = AgentDirectory(users=self.crm.users)
        self.bridge.after_resync(self._learn_agents)
        hub = WebSocketHub(authenticate=self.crm.users.authenticate)
        # One node of several (a [nats] url): the domains push onto the bus, and the
        # consoles of this node get their messages back from it like any other node's.
        self.cluster = (
            ClusterNode(settings=settings, hub=hub, leases=self.crm.leases,
                        jobs=worker_jobs(self.crm, settings))
            if settings.nats.url else None
        )  # fmt: skip
        wiring = Wiring(
            settings=settings, crm=self.crm, client=self.client, bridge=self.bridge,
            hub=hub if self.cluster is None else self.cluster.pushes,
            agents=self.agent_directory, legs=CallLegs(client=self.client, model=self.model),
        )  # fmt: skip
        self._wiring = wiring
        if self.cluster is not None:
            wiring.collectors.append(NodeCollector(self.cluster))

        # The domains, each after those it needs.
        popping = screen_pop_plugin.load(wiring)
        self.screen_pop, self.callers = popping.service, popping.callers
        recording = recordings_plugin.load(wiring, callers=popping.callers)
        self.recorder, self.archive = recording.recorder, recording.archive
        self.call_log = call_log_plugin.load(
            wiring, callers=popping.callers, recording_of=self.recorder.reference,
            server=self._server,
        )  # fmt: skip
        self.statistics = statistics_plugin.load(wiring, server=self._server)
        today = self.statistics.today if self.statistics.tailer is not None else None
        watching = live_plugin.load(wiring, today=today)
        self.live_state, self.notifier, self.updates = (
            watching.state, watching.notifier, watching.updates,
        )  # fmt: skip
        if self.cluster is not None and self.cluster.views is not None:
            # A gateway's live views are every Asterisk's, merged, not its own edge's alone.
            wiring.routes[:] = [r for r in wiring.routes if (r.method, r.path) not in LIVE_PATHS]
            wiring.add_routes(gathered_live_routes(self.cluster.views))
        self.calls = calls_plugin.load(wiring, pops=popping.service)
        agenting = agents_plugin.load(wiring)
        self.agents, self.wrapup = agenting.service, agenting.wrapup
        self.supervisor = supervisor_plugin.load(wiring, dialler=self.calls, agents=self.agents)
        self.ivr = ivr_plugin.load(wiring, survey_started=self.call_log.survey_started)
        crm_plugin.load(wiring)
        self.dialer = dialer_plugin.load(wiring, recorder=self.recorder)
        self.agents.on_wrapped_up(self.dialer.end_wrapup)  # a seated agent's disposition
        self.cards = cards_plugin.load(wiring, summaries=member_summary)

        self.app: web.Application = build_app(
            crm=self.crm, routes=tuple(wiring.routes), hub=hub,
            member_reads_per_minute=settings.logins.member_reads_per_minute,
            middlewares=() if self.cluster is None else (self.cluster.middleware(),),
        )  # fmt: skip
        self._runner: web.AppRunner | None = None

    @property
    def is_edge(self) -> bool:
        """Whether this node talks to Asterisk (a single node always does)."""
        return self.cluster is None or self.cluster.is_edge

    def _server(self) -> str:
        """The edge's Asterisk (its systemname) that keys call records; "" for one node."""
        return (self.cluster.system if self.cluster is not None else None) or ""

    async def _learn_agents(self) -> None:
        """Know the user of every agent Asterisk reported, so live views name them."""
        now = self.bridge.clock()
        await self.agent_directory.warm(a.interface for a in self.model.snapshot(now).agents)

    @property
    def port(self) -> int:
        """The port the API listens on (the real one when the settings asked for 0)."""
        if self._runner is None:
            raise RuntimeError("the service is not started")
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("the API has no listening socket")

    async def start(self, *, online_within: float | None = None) -> None:
        """Serve the API and connect to Asterisk; with ``online_within``, wait for AMI.

        One node of several joins the bus first; an edge claims its Asterisk before it
        connects (another edge holding it is an error here), and a node that is not an
        edge neither connects to Asterisk nor runs the domains' parts.
        """
        api = self.settings.api
        self._runner = await start_site(self.app, port=api.port, host=api.host)
        if self.cluster is not None:
            try:
                await self.cluster.start(
                    api_url=self._api_url, lease_lost=self._lease_lost, live_state=self.live_state
                )
            except BaseException:
                await self.cluster.stop()
                await self._runner.cleanup()
                self._runner = None
                raise
        # Every part the domains run acts on an Asterisk (FastAGI, the dialer, wrap-up
        # timers, the queue_log reader): a node that is not an edge runs none of them.
        for running in self._running():
            await running.part.start()
        await self.bridge.start()
        if self.is_edge:
            await self.client.start()
        if online_within is not None and self.is_edge:
            await self.client.wait_online(within=online_within)
            await self.bridge.wait_resynced(within=online_within)
        gc.freeze()
        log.info("ctidesk serving on %s:%d", api.host, self.port)

    def _running(self) -> list[Running]:
        """The domains' parts this node runs."""
        return self._wiring.running if self.is_edge else []

    def _api_url(self) -> str:
        """This node's own API, as an edge calls it for requests forwarded over the bus."""
        host = self.settings.api.host
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    async def _lease_lost(self) -> None:
        """The edge's lease went to another node: stop acting on Asterisk at once."""
        log.error("this node no longer holds its Asterisk; disconnecting from it")
        await self.client.stop()

    async def stop(self) -> None:
        """Stop in reverse order; writes in flight finish first."""
        running = self._running()
        for entrance in (r.part for r in running if r.entrance):
            await entrance.stop()
        await self.client.stop()
        await self.bridge.stop()
        for drain in self._wiring.drains:
            await drain()
        for part in (r.part for r in running if not r.entrance):
            await part.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._owns_crm:
            await self.crm.close()


async def serve(settings: Settings) -> None:
    """Run the service until SIGINT or SIGTERM."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    service = CtiService(settings)
    try:
        await service.start()
        await stopping.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
        await service.stop()


__all__ = ["CtiService", "crm_for", "make_app", "serve"]
