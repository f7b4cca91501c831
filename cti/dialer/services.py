"""The dialer: a runner for each running campaign, fed the AMI stream and agent changes.

It looks at the campaigns' states every few seconds (the CLI and the API change them in
the database, possibly from another process) and starts a runner for each running one; a
runner dials only while it holds its campaign's lease, so several service processes on
one database share the campaigns without dialling any twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable

from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.ami import Action, AmiClient, AmiMessage
from cti.ami.subscription import Subscription
from cti.bus.actions import NoPhoneError, send_action
from cti.bus.bridge import event_time
from cti.bus.directory import AgentDirectory
from cti.dialer.actions import seat_agent
from cti.dialer.figures import Counters
from cti.dialer.pool import AgentPool
from cti.dialer.runner import CampaignRecorder, CampaignRunner
from cti.dialer.seats import Seat, Seats
from cti.dialer.tracker import Outcome
from cti.model import AgentStateChanged, CallCentreModel, DomainEvent, WrapupEnded
from cti.settings import DialerSettings

log = logging.getLogger(__name__)

SCAN_SECONDS = 2.0
"""How often the dialer looks for campaigns started, paused or stopped elsewhere."""


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is new)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dialer:
    """Runs the running campaigns; wakes their runners on every agent-state change."""

    def __init__(
        self,
        *,
        crm: Crm,
        client: AmiClient,
        model: CallCentreModel,
        agents: AgentDirectory,
        settings: DialerSettings,
        default_region: str,
        wrap_up_seconds: Callable[[str], float] = lambda _queue: 0.0,
        recorder: CampaignRecorder | None = None,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
        scan_seconds: float = SCAN_SECONDS,
    ) -> None:
        self.crm = crm
        self.client = client
        self.model = model
        self.agents = agents
        self.settings = settings
        self.default_region = default_region
        self.wrap_up_seconds = wrap_up_seconds
        self.recorder = recorder
        self.clock = clock
        self.holder = holder or holder_name()
        self.scan_seconds = scan_seconds
        self.runners: dict[int, CampaignRunner] = {}
        self.seats = Seats()
        self._subscription: Subscription | None = None
        self._scanner: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[int, Outcome], None]] = []
        self._change_listeners: list[Callable[[int], None]] = []
        self._statuses: dict[int, str] = {}

    async def start(self) -> None:
        """Follow the AMI stream and start scanning for running campaigns."""
        self._subscription = self.client.subscribe(self._on_frame, name="dialer")
        self._scanner = asyncio.create_task(self._scan_forever(), name="dialer-scan")

    async def stop(self) -> None:
        """Stop every runner (releasing its lease) and stop following the stream."""
        if self._scanner is not None:
            self._scanner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scanner
        for runner in list(self.runners.values()):
            await runner.stop()
        self.runners.clear()
        if self._subscription is not None:
            await self._subscription.close()

    def __call__(self, event: DomainEvent) -> None:
        """A bus listener: an agent who becomes ready, pauses or signs out re-plans at once."""
        if isinstance(event, AgentStateChanged | WrapupEnded):
            for runner in self.runners.values():
                runner.wake()

    def on_change(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(campaign_id)`` when a campaign is created, started, paused,
        resumed or stopped (here or by another process: the scan notices)."""
        self._change_listeners.append(listener)

    def on_outcome(self, listener: Callable[[int, Outcome], None]) -> None:
        """Call ``listener(campaign_id, outcome)`` once each outcome is in the database."""
        self._listeners.append(listener)

    def recorded(self, campaign_id: int, outcome: Outcome) -> None:
        """Tell the outcome listeners: ``outcome`` of a call of ``campaign_id`` is stored."""
        for listener in self._listeners:
            listener(campaign_id, outcome)

    def counters(self, campaign_id: int) -> Counters | None:
        """What this process's runner of a campaign has done, if it runs here."""
        runner = self.runners.get(campaign_id)
        return runner.counters if runner is not None and runner.epoch is not None else None

    async def scan(self) -> None:
        """Start runners for running campaigns, stop those of campaigns no longer running."""
        campaigns = {campaign.id: campaign for campaign in await self.crm.campaigns.list()}
        for view in campaigns.values():
            if self._statuses.get(view.id) != view.status:
                self._statuses[view.id] = view.status
                for listener in self._change_listeners:
                    listener(view.id)
        for campaign_id in list(self.runners):
            running = campaigns.get(campaign_id)
            if running is None or running.status != "running":
                await self.runners.pop(campaign_id).stop()
        for campaign in campaigns.values():
            if campaign.status == "running" and campaign.id not in self.runners:
                runner = self._runner(campaign.id, campaign.queue)
                self.runners[campaign.id] = runner
                await runner.start()

    def _runner(self, campaign_id: int, queue: str | None) -> CampaignRunner:
        return CampaignRunner(
            campaign_id=campaign_id,
            crm=self.crm,
            client=self.client,
            pool=AgentPool(self.model, queue or "", self.clock),
            agent_login=self._login_of,
            settings=self.settings,
            holder=self.holder,
            clock=self.clock,
            on_recorded=self.recorded,
            wrap_up_seconds=self.wrap_up_seconds(queue or ""),
            seats=self.seats,
            recorder=self.recorder,
        )

    async def _login_of(self, interface: str) -> str | None:
        user = await self.agents.by_interface(interface) if interface else None
        return user.login if user is not None else None

    async def _scan_forever(self) -> None:
        while True:
            try:
                await self.scan()
            except Exception:
                log.exception("dialer: scanning the campaigns failed")
            await asyncio.sleep(self.scan_seconds)

    async def _on_frame(self, message: AmiMessage) -> None:
        if self.seats.feed(message, event_time(message, self.clock)):
            for runner in self.runners.values():
                runner.wake()
        for runner in list(self.runners.values()):
            await runner.on_frame(message)

    def end_wrapup(self, interface: str) -> None:
        """The agent on ``interface`` closed their call (a disposition): a seated agent's
        wrap-up ends now and the runners look again (a queue agent's is the model's)."""
        if self.seats.end_wrapup(interface, self.clock()):
            for runner in self.runners.values():
                runner.wake()

    async def seat(self, user: UserView) -> Seat:
        """Call ``user``'s phone into their own room, where it stays between campaign calls."""
        if not user.interface:
            raise NoPhoneError(f"{user.login} has no phone interface", login=user.login)
        seat = self.seats.by_login.get(user.login)
        if seat is not None and seat.seated:
            return seat
        channel_id = uuid.uuid4().hex
        self.seats.expect_agent(user.login, user.interface, channel_id)
        await send_action(
            self.client, seat_agent(user.interface, Seats.room_of(user.login), channel_id)
        )
        return self.seats.by_login[user.login]

    async def unseat(self, user: UserView) -> None:
        """Hang up ``user``'s open channel: no more campaign calls come to their room."""
        seat = self.seats.by_login.get(user.login)
        if seat is not None and seat.seated:
            await send_action(
                self.client, Action("Hangup", Channel=seat.agent_channel_name, Cause=16)
            )


__all__ = ["SCAN_SECONDS", "Dialer", "holder_name"]
