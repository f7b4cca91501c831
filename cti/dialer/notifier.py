"""The dialer's pushes: campaign figures to supervisors, the campaign call to its agent.

The dialer calls :meth:`DialerNotifier.outcome_recorded` once each outcome is stored
(``Dialer.on_outcome``); nothing is sent from there. One worker task sends, in order:
first the :class:`~cti.protocol.CampaignCall` of each call just connected to an agent (the
agent needs the script at once), then a :class:`~cti.protocol.CampaignUpdate` for each
campaign whose figures moved — at most one per campaign every :data:`MIN_INTERVAL`
seconds, so a busy predictive campaign does not flood the wall-boards. The figures are
read from the CRM (the same counts in every service process); the pacer's mode is this
process's runner's last decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from crm_core.campaigns.rates import DAY, MONTH, abandon_rate
from crm_core.errors import NotFoundError
from crm_core.wiring import Crm
from cti.bus.directory import AgentDirectory
from cti.dialer.services import Dialer
from cti.dialer.tracker import Bridged, Outcome
from cti.http.pushes import SUPERVISOR_ROLES, Pushes
from cti.http.serialisers import MEMBER_360
from cti.protocol import CampaignCall, CampaignUpdate, MemberRecord, WrapUpCode, decode

log = logging.getLogger(__name__)

MIN_INTERVAL = 0.5
"""Seconds between two ``campaign_update`` pushes of one campaign (at most two a second)."""


class DialerNotifier:
    """Pushes ``campaign_update`` to supervisors and ``campaign_call`` to the agent."""

    def __init__(
        self,
        *,
        hub: Pushes,
        agents: AgentDirectory,
        crm: Crm,
        dialer: Dialer,
        min_interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._hub = hub
        self._agents = agents
        self._crm = crm
        self._dialer = dialer
        self._min_interval = min_interval
        self._clock = clock
        self._connected: list[tuple[int, Bridged]] = []
        self._changed: dict[int, None] = {}
        self._sent_at: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    def outcome_recorded(self, campaign_id: int, outcome: Outcome) -> None:
        """The dialer's outcome listener: note what to push (the worker sends it)."""
        if isinstance(outcome, Bridged):
            self._connected.append((campaign_id, outcome))
        self._changed[campaign_id] = None
        self._wake.set()

    def campaign_touched(self, campaign_id: int) -> None:
        """The dialer's change listener: a campaign's status changed; push its figures."""
        self._changed[campaign_id] = None
        self._wake.set()

    async def start(self) -> None:
        """Start the worker that sends the pushes."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._send_forever(), name="dialer-notifier")

    async def stop(self) -> None:
        """Stop the worker; pushes not sent yet are dropped."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def call_connected(self, campaign_id: int, bridged: Bridged) -> None:
        """Send the campaign call to the consoles of the agent it was connected to.

        The agent is the one the attempt's connect recorded (the dialer knows whom it
        reserved; a callee's ``BridgeEnter`` does not name the agent), else the one whose
        phone the outcome names.
        """
        attempt = await self._crm.campaigns.attempt(bridged.attempt_id)
        login = attempt.agent_login
        if login is None and bridged.agent:
            user = await self._agents.by_interface(bridged.agent)
            login = user.login if user is not None else None
        if login is None:
            return  # not connected to a member of staff: no console to tell
        self._hub.send_to_user(login, await self._campaign_call(campaign_id, bridged))

    async def campaign_changed(self, campaign_id: int) -> None:
        """Send a campaign's figures to every supervisor's console."""
        self._hub.broadcast(await self.figures(campaign_id), roles=SUPERVISOR_ROLES)

    async def figures(self, campaign_id: int) -> CampaignUpdate:
        """A campaign's live figures as the wall-board shows them."""
        store = self._crm.campaigns
        campaign = await store.get(campaign_id)
        counters = await store.counters(campaign_id)
        now = datetime.now(UTC)
        month = await store.abandon_counts(campaign_id, since=now - MONTH)
        day = await store.abandon_counts(campaign_id, since=now - DAY)
        runner = self._dialer.runners.get(campaign_id)
        decision = runner.decision if runner is not None else None
        ready, talking, wrapping = runner.agent_states() if runner is not None else (0, 0, 0)
        return CampaignUpdate(
            campaign_id=campaign.id,
            name=campaign.name,
            mode=campaign.mode,
            status=campaign.status,
            dialled=counters.dialled,
            ringing=counters.ringing,
            answered=counters.answered,
            connected=counters.connected,
            abandoned=counters.abandoned,
            machines=counters.machines,
            abandon_rate_30d=abandon_rate(month),
            abandon_rate_24h=abandon_rate(day),
            abandon_target=campaign.abandon_target,
            leads_remaining=counters.remaining,
            pacer_mode=decision.mode.name.lower() if decision is not None else None,
            pacer_detail=decision.mode.value if decision is not None else None,
            agents_ready=ready,
            agents_talking=talking,
            agents_wrapping_up=wrapping,
        )

    async def _campaign_call(self, campaign_id: int, bridged: Bridged) -> CampaignCall:
        store = self._crm.campaigns
        campaign = await store.get(campaign_id)
        lead = await store.preview.lead(bridged.attempt_id)
        member = None
        if lead.member_number is not None:
            with contextlib.suppress(NotFoundError):
                view = await self._crm.member360.view(lead.member_number)
                # The pop's summary, built as screen_pop builds it: through the REST view.
                member = decode(MemberRecord, MEMBER_360.dump(view)).summary()
        codes = await self._crm.dispositions.for_queue(campaign.queue)
        labels = {code.code: code.label for code in codes}
        return CampaignCall(
            call_id=bridged.attempt_id,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            phone=lead.phone,
            lead_name=lead.name,
            member=member,
            script=campaign.script,
            dispositions=tuple(
                WrapUpCode(code, labels.get(code, code)) for code in campaign.dispositions
            ),
        )

    async def _send_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._connected:
                campaign_id, bridged = self._connected.pop(0)
                try:
                    await self.call_connected(campaign_id, bridged)
                except Exception:
                    log.exception("pushing campaign %s's call %s failed", campaign_id, bridged)
            self._wake_when_due()
            await self._send_figures_due()

    def _wake_when_due(self) -> None:
        """Wake again when the earliest held-back campaign may be sent."""
        now = self._clock()
        waits = [
            self._sent_at[campaign_id] + self._min_interval - now
            for campaign_id in self._changed
            if campaign_id in self._sent_at
            and now < self._sent_at[campaign_id] + self._min_interval
        ]
        if waits:
            asyncio.get_running_loop().call_later(min(waits), self._wake.set)

    async def _send_figures_due(self) -> None:
        now = self._clock()
        for campaign_id in list(self._changed):
            sent = self._sent_at.get(campaign_id)
            if sent is not None and now < sent + self._min_interval:
                continue
            del self._changed[campaign_id]
            self._sent_at[campaign_id] = now
            try:
                await self.campaign_changed(campaign_id)
            except Exception:
                log.exception("pushing campaign %s's figures failed", campaign_id)


__all__ = ["MIN_INTERVAL", "DialerNotifier"]
