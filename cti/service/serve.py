"""The composition root: settings → CRM → AMI client → model → services → HTTP API, IVR.

`CtiService` owns every part and their start/stop order; `serve` runs it until SIGINT
or SIGTERM. Nothing here is module-level state: each service instance holds its own.
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
from cti.ami import AmiClient
from cti.http.app import hub_of, make_app, start_site
from cti.model import CallCentreModel
from cti.service.agents import AgentService
from cti.service.call_log import CallLogWriter
from cti.service.callers import CallerLookup
from cti.service.ivr import ivr_for
from cti.service.live import ModelLiveState
from cti.service.notifier import ConsoleNotifier
from cti.service.screen_pop import ScreenPopService
from cti.service.telephony import TelephonyBridge
from cti.service.updates import LiveUpdates
from cti.service.users import AgentDirectory
from cti.settings import Settings

log = logging.getLogger(__name__)


def crm_for(settings: Settings) -> Crm:
    """The CRM services over the configured database."""
    return build_crm(
        database_url=settings.database.url,
        default_region=settings.phone.default_region,
        points_validity_days=settings.loyalty.points_validity_days,
        token_ttl=timedelta(hours=settings.api.token_ttl_hours),
        echo=settings.database.echo,
    )


class CtiService:
    """Every part of the running service, wired by keyword; `start` then `stop`."""

    def __init__(self, settings: Settings, *, crm: Crm | None = None) -> None:
        self.settings = settings
        self.crm = crm or crm_for(settings)
        self._owns_crm = crm is None
        self.client = AmiClient(settings.ami)
        self.model = CallCentreModel()
        self.bridge = TelephonyBridge(client=self.client, model=self.model)
        self.agent_directory = AgentDirectory(users=self.crm.users)
        self.callers = CallerLookup(crm=self.crm, inbound_media=settings.phone.inbound_media)
        self.agents = AgentService(
            client=self.client, bridge=self.bridge, crm=self.crm, agents=self.agent_directory
        )
        self.live_state = ModelLiveState(model=self.model, agents=self.agent_directory)
        self.app: web.Application = make_app(
            crm=self.crm, live_state=self.live_state, agents=self.agents
        )
        hub = hub_of(self.app)
        self.screen_pop = ScreenPopService(
            hub=hub, callers=self.callers, agents=self.agent_directory
        )
        self.call_log = CallLogWriter(
            crm=self.crm, callers=self.callers, agents=self.agent_directory
        )
        self.notifier = ConsoleNotifier(hub=hub, agents=self.agent_directory)
        self.bridge.listen(self.screen_pop)
        self.bridge.listen(self.call_log)
        self.bridge.listen(self.notifier)
        self.updates = LiveUpdates(hub=hub, agents=self.agent_directory, model=self.model)
        self.bridge.listen(self.updates)
        self.client.on_status(self.notifier.telephony_changed)
        self.ivr = ivr_for(settings, self.crm, survey_started=self.call_log.survey_started)
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The port the API listens on (the real one when the settings asked for 0)."""
        if self._runner is None:
            raise RuntimeError("the service is not started")
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("the API has no listening socket")

    async def start(self, *, online_within: float | None = None) -> None:
        """Serve the API and connect to Asterisk; with ``online_within``, wait for AMI."""
        api = self.settings.api
        self._runner = await start_site(self.app, port=api.port, host=api.host)
        await self.ivr.start()
        await self.notifier.start()
        await self.updates.start()
        await self.bridge.start()
        await self.client.start()
        if online_within is not None:
            await self.client.wait_online(within=online_within)
            await self.bridge.wait_resynced(within=online_within)
        gc.freeze()
        log.info("ctidesk serving on %s:%d", api.host, self.port)

    async def stop(self) -> None:
        """Stop in reverse order; writes in flight finish first."""
        await self.ivr.stop()
        await self.client.stop()
        await self.bridge.stop()
        await self.screen_pop.drain()
        await self.call_log.drain()
        await self.notifier.stop()
        await self.updates.stop()
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
