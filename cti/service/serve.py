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
from pathlib import Path

from aiohttp import web

from crm_core.wiring import Crm, build_crm
from cti.ami import AmiClient
from cti.http.app import make_app, start_site
from cti.http.call_routes import call_routes
from cti.http.hub import WebSocketHub
from cti.http.recording_routes import recording_routes
from cti.http.supervisor_routes import supervisor_routes
from cti.model import CallCentreModel
from cti.service.agents import AgentService
from cti.service.call_log import CallLogWriter
from cti.service.callers import CallerLookup
from cti.service.calls import CallControl
from cti.service.ivr import ivr_for
from cti.service.live import ModelLiveState
from cti.service.notifier import ConsoleNotifier
from cti.service.recording import RecordingService
from cti.service.screen_pop import ScreenPopService
from cti.service.supervisor import SupervisorService
from cti.service.telephony import TelephonyBridge
from cti.service.updates import LiveUpdates
from cti.service.users import AgentDirectory
from cti.service.wrapup import WrapupPacer
from cti.settings import RecordingsSettings, Settings
from recordings.archive import RecordingArchive
from recordings.policy import Policy, RecordingPolicies

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


def archive_for(settings: RecordingsSettings, crm: Crm) -> RecordingArchive:
    """The recordings directory and index the settings name."""
    return RecordingArchive(
        index=crm.recordings,
        directory=Path(settings.directory),
        asterisk_directory=settings.asterisk_directory or None,
    )


def policies_for(settings: RecordingsSettings) -> RecordingPolicies:
    """The recording policies the settings name."""
    return RecordingPolicies(
        queues={name: Policy(value) for name, value in settings.queues.items()},
        campaigns={name: Policy(value) for name, value in settings.campaigns.items()},
        default=Policy(settings.default_policy),
    )


class CtiService:
    """Every part of the running service, wired by keyword; `start` then `stop`."""

    def __init__(self, settings: Settings, *, crm: Crm | None = None) -> None:
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
        self.callers = CallerLookup(crm=self.crm, inbound_media=settings.phone.inbound_media)
        self.agents = AgentService(
            client=self.client, bridge=self.bridge, crm=self.crm, agents=self.agent_directory
        )
        self.bridge.on_asterisk_restart(self.agents.restore_sign_ins)
        self.bridge.after_resync(self._learn_agents)
        self.live_state = ModelLiveState(model=self.model, agents=self.agent_directory)
        hub = WebSocketHub(authenticate=self.crm.users.authenticate)
        self.screen_pop = ScreenPopService(
            hub=hub, callers=self.callers, agents=self.agent_directory
        )
        self.calls = CallControl(
            client=self.client, bridge=self.bridge, users=self.crm.users,
            screen_pop=self.screen_pop, dial_caller_id=settings.phone.dial_caller_id,
        )  # fmt: skip
        self.supervisor = SupervisorService(
            client=self.client, calls=self.calls, agents=self.agents, crm=self.crm, hub=hub
        )
        self.archive = archive_for(settings.recordings, self.crm)
        self.recorder = RecordingService(
            client=self.client, calls=self.calls, archive=self.archive,
            policies=policies_for(settings.recordings), agents=self.agent_directory,
            callers=self.callers,
        )  # fmt: skip
        self.app: web.Application = make_app(
            crm=self.crm, live_state=self.live_state, agents=self.agents, hub=hub,
            extra_routes=(
                *call_routes(self.calls),
                *supervisor_routes(self.supervisor),
                *recording_routes(self.recorder, self.archive),
            ),
        )  # fmt: skip
        self.call_log = CallLogWriter(
            crm=self.crm, callers=self.callers, agents=self.agent_directory,
            recording_of=self.recorder.reference,
        )  # fmt: skip
        self.notifier = ConsoleNotifier(hub=hub, agents=self.agent_directory)
        self.bridge.listen(self.screen_pop)
        self.bridge.listen(self.call_log)
        self.bridge.listen(self.notifier)
        self.bridge.listen(self.recorder)
        self.bridge.listen(self.calls)
        self.updates = LiveUpdates(hub=hub, agents=self.agent_directory, model=self.model)
        self.bridge.listen(self.updates)
        self.wrapup = WrapupPacer(client=self.client, model=self.model)
        self.bridge.listen(self.wrapup)
        self.client.on_status(self.notifier.telephony_changed)
        self.ivr = ivr_for(settings, self.crm, survey_started=self.call_log.survey_started)
        self._runner: web.AppRunner | None = None

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
        """Serve the API and connect to Asterisk; with ``online_within``, wait for AMI."""
        api = self.settings.api
        self._runner = await start_site(self.app, port=api.port, host=api.host)
        await self.ivr.start()
        await self.notifier.start()
        await self.updates.start()
        await self.wrapup.start()
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
        await self.recorder.drain()
        await self.notifier.stop()
        await self.updates.stop()
        await self.wrapup.stop()
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
