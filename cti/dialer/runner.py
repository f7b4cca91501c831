"""One running campaign's dialer: its lease, its pacing, its calls from Originate to outcome.

A runner dials for one campaign, and only while it holds the campaign's lease row (so a
second ``ctidesk serve`` on the same database dials nothing until the first one dies and
the lease expires). Every call is an attempt row written before its Originate; the
attempt's id is the callee channel's ``ChannelId``, so the AMI events of that channel are
joined to it by the :class:`~cti.dialer.tracker.AttemptTracker`.

When a person answers, the runner redirects the callee into the connect context, which
cancels the dialplan's 2-second clock and hands the call to the campaign's queue (the
agent's pop, pause and wrap-up work as for any queue call). With no agent free it does
nothing: the dialplan's clock plays the identification message and hangs up, and the
call is counted abandoned. The dialplan enforces the deadline, so it holds even if this
process stalls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from crm_core.campaigns.agent_leads import PREVIEW_EPOCH
from crm_core.campaigns.rates import MONTH, abandon_rate
from crm_core.campaigns.schemas import AttemptView, CampaignView, Claim
from crm_core.wiring import Crm
from cti.ami import Action, AmiClient, AmiError, AmiMessage
from cti.bus.bridge import event_time
from cti.dialer import pacer
from cti.dialer.actions import IVR_MESSAGE, originate
from cti.dialer.figures import Counters, DialTimes, Write
from cti.dialer.handover import Handover
from cti.dialer.lease import CampaignLease, utc
from cti.dialer.pacing import Measures, pacer_state
from cti.dialer.pool import AgentPool
from cti.dialer.seats import Seats
from cti.dialer.tracker import (
    AmdVerdict,
    Answered,
    AttemptTracker,
    Bridged,
    Ended,
    IvrStep,
    Outcome,
)
from cti.settings import DialerSettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]
PREDICTIVE = "predictive"
"""The campaign mode that dials ahead of free agents, paced by :mod:`cti.dialer.pacer`."""
STOP_WRITES_WITHIN = 5.0
"""Seconds a stopping runner waits for its queued outcome writes."""
RATE_READ_EVERY = 5.0
"""Seconds between two reads of the regulated 30-day abandon rate from the database."""
CHANNEL_UP = 6
"""Asterisk's channel state of an answered channel (``ChannelState: 6``, "Up")."""
NORMAL_CLEARING = 16
"""Q.850 cause of a call that ended normally."""


class CampaignRecorder(Protocol):
    """What the dialer needs of the recordings: start one for a connected campaign call."""

    def campaign_call_connected(
        self, call_id: str, channel: str, *, agent_login: str | None, campaign: str, wanted: bool
    ) -> None:
        """Record the call on ``channel`` if the campaign's policy says so."""
        ...


@dataclass
class CampaignRunner:
    """Dials one campaign while it holds the campaign's lease."""

    campaign_id: int
    crm: Crm
    client: AmiClient
    pool: AgentPool
    agent_login: Callable[[str], Awaitable[str | None]]
    """The login of the user whose phone is an interface (None: nobody's)."""
    settings: DialerSettings
    holder: str
    clock: Clock = time.time
    tracker: AttemptTracker = field(default_factory=AttemptTracker)
    counters: Counters = field(default_factory=Counters)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _ivr: set[str] = field(default_factory=set)
    _times: dict[str, DialTimes] = field(default_factory=dict)
    _writes: asyncio.Queue[tuple[Outcome, Write]] = field(default_factory=asyncio.Queue)
    _writer: asyncio.Task[None] | None = None
    _regulated_rate: float = 0.0
    _rate_read_at: float = float("-inf")
    wrap_up_seconds: float = 0.0
    """The campaign queue's wrap-up time (the pacer counts it after each talk)."""
    measures: Measures = field(default_factory=Measures)
    seats: Seats | None = None
    """The agents' rooms: a predictive campaign connects callees to seated agents."""
    recorder: CampaignRecorder | None = None
    """Records connected calls of campaigns whose policy says so."""
    _campaign: CampaignView | None = None
    decision: pacer.Decision | None = None
    """The pacer's last decision (a predictive campaign): how many calls and which guard."""
    planned: asyncio.Event = field(default_factory=asyncio.Event)
    """Set each time the runner has decided how many calls to place (tests wait on it)."""
    on_recorded: Callable[[int, Outcome], None] | None = None
    """Called after each outcome is in the database (live panels; tests wait on it)."""

    def __post_init__(self) -> None:
        self.lease = CampaignLease(
            self.crm, self.campaign_id, self.holder, self.settings.lease_seconds, self.clock
        )
        self.handover = Handover(
            self.client, self.pool, self.seats, self.clock, wrap_up_seconds=self.wrap_up_seconds
        )

    def agent_states(self) -> tuple[int, int, int]:
        """The campaign's agents now: ready, talking, wrapping up (paused ones left out)."""
        return self.handover.agent_states()

    @property
    def epoch(self) -> int | None:
        """The epoch of the lease while this runner holds it (it dials only then)."""
        return self.lease.epoch

    async def start(self) -> None:
        """Start taking the lease and dialling."""
        self._task = asyncio.create_task(self._run(), name=f"dialer-{self.campaign_id}")
        self._writer = asyncio.create_task(self._write(), name=f"dialer-{self.campaign_id}-db")

    async def stop(self) -> None:
        """Stop dialling and release the lease once the outcomes known are stored (calls
        in flight go on; the next holder follows them)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._writes.join(), STOP_WRITES_WITHIN)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        await self.lease.release()

    def wake(self) -> None:
        """Look again now (an agent became ready or paused, a call ended)."""
        self._wake.set()

    async def on_frame(self, frame: AmiMessage) -> None:
        """Follow an AMI event; record what it tells about this campaign's attempts."""
        if frame.get("Event") == "Newchannel" and frame.get("Uniqueid") in self.tracker:
            self.handover.channels[frame.get("Uniqueid")] = frame.get("Channel")
        for outcome in self.tracker.feed(frame, self._in_my_time(frame)):
            await self._record(outcome)

    def _in_my_time(self, frame: AmiMessage) -> float:
        """When the event happened, on this runner's clock: Asterisk stamps events in wall
        time, and a retry scheduled from an end must be on the same clock as the claims
        (a clock moved in a test moves the stamps with it; in service they are equal)."""
        return event_time(frame, time.time) + (self.clock() - time.time())

    # -- the loop --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                if await self.lease.hold():
                    await self._reconcile()
                if self.epoch is not None:
                    await self._dial_what_fits()
                for ended in self.tracker.expired(self.clock()):
                    await self._record(ended)
            except AmiError as error:
                log.warning("campaign %s: telephony unavailable: %s", self.campaign_id, error)
            except Exception:
                log.exception("campaign %s: dialer step failed", self.campaign_id)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.tick_seconds)

    async def _reconcile(self) -> None:
        """Follow the attempts a previous holder left in flight, or end those Asterisk lost."""
        live = await self._live_channels()
        ivr = (await self.crm.campaigns.get(self.campaign_id)).mode == IVR_MESSAGE
        for attempt in await self.crm.campaigns.in_flight(self.campaign_id):
            if attempt.epoch == PREVIEW_EPOCH:
                continue  # an agent's preview lead: the preview desk follows it
            if attempt.id in live:
                if ivr:
                    self._ivr.add(attempt.id)
                answered, bridged = await self._catch_up(attempt)
                self.tracker.expect(
                    attempt.id,
                    self.clock(),
                    via_queue=False,
                    for_agent=not ivr,
                    created=True,
                    answered=answered,
                    bridged=bridged,
                )
                self.handover.channels[attempt.id] = live[attempt.id]
            else:
                # Its channel is gone and its Hangup was never read: a call a person
                # answered ended normally (abandoned if nobody was connected); one that
                # never got an answer is a network failure, retried and not counted.
                answered = attempt.answered_at is not None
                await self.crm.campaigns.attempt_ended(
                    attempt.id,
                    cause=NORMAL_CLEARING if answered else None,
                    at=utc(self.clock()),
                    abandoned=answered and attempt.connected_at is None and not ivr,
                )

    async def _catch_up(self, attempt: AttemptView) -> tuple[bool, bool]:
        """Whether a live call taken over is answered and connected, from the record or,
        when the previous holder died before writing it, from the call as Asterisk has it
        now (its state, its bridge peer): what it missed is recorded, stamped now."""
        model, now = self.pool.model, utc(self.clock())
        channel = model.channel(attempt.id)
        answered = attempt.answered_at is not None
        if not answered and channel is not None and channel.state == CHANNEL_UP:
            await self.crm.campaigns.attempt_answered(attempt.id, at=now)
            answered = True
        bridged = attempt.connected_at is not None
        peers = model.bridge_peers(attempt.id)
        if not bridged and peers:
            interface = next((peer.agent for peer in peers if peer.agent), peers[0].name)
            login = await self.agent_login(interface) or interface
            await self.crm.campaigns.attempt_connected(attempt.id, agent_login=login, at=now)
            bridged = True
        return answered, bridged

    async def _live_channels(self) -> dict[str, str]:
        listing = await self.client.send_list(Action("CoreShowChannels"))
        return {entry.get("Uniqueid"): entry.get("Channel") for entry in listing.events}

    async def _dial_what_fits(self) -> None:
        campaign = await self.crm.campaigns.get(self.campaign_id)
        self._campaign = campaign
        self.handover.seated = self.seats is not None and campaign.mode == PREDICTIVE
        if campaign.status != "running" or campaign.mode == "preview":
            return  # preview campaigns are dialled by their agents (cti/dialer/preview.py)
        wanted = await self._calls_wanted(campaign)
        self.planned.set()
        for _ in range(wanted):
            assert self.epoch is not None
            claim = await self.crm.campaigns.claim_next(
                self.campaign_id, epoch=self.epoch, now=utc(self.clock())
            )
            if claim is None:
                return
            await self._originate(campaign, claim)

    async def _calls_wanted(self, campaign: CampaignView) -> int:
        """IVR message: as many lines as the campaign may use. Progressive: one call per
        free agent, less the calls already in flight. Predictive: what the pacer says."""
        in_flight = self.tracker.in_flight
        if campaign.mode == IVR_MESSAGE:
            return max(0, self.settings.max_lines - in_flight)
        lines = min(self.settings.max_lines, self.settings.lines_per_agent * self.pool.size)
        if campaign.mode == PREDICTIVE:
            self.decision = pacer.decide(await self._pacer_state(campaign, lines))
            return self.decision.calls
        # Connected calls hold a line but no longer wait for an agent: only calls still
        # ringing and people answered but not yet handed over need one of the free agents.
        waiting = self.handover.waiting(self.tracker.answered_waiting())
        unconnected = self.tracker.ringing + len(waiting)
        return max(0, min(len(self.handover.free()) - unconnected, lines - in_flight))

    async def _pacer_state(self, campaign: CampaignView, lines: int) -> pacer.PacerState:
        now = self.clock()
        measures = self.measures
        measures.adjust(now, campaign.abandon_target)
        if now - self._rate_read_at >= RATE_READ_EVERY:
            since = utc(now) - MONTH
            self._regulated_rate = abandon_rate(
                await self.crm.campaigns.abandon_counts(self.campaign_id, since=since)
            )
            self._rate_read_at = now
        waiting = self.handover.waiting(self.tracker.answered_waiting())
        return pacer_state(
            measures,
            agents=self.handover.agents(now),
            reserved=len(self.handover.reserved),
            ringing=[now - since for since in self.tracker.ringing_since()],
            waiting=len(waiting),
            now=now,
            wrap_up_time=self.wrap_up_seconds,
            abandon_rate=self._regulated_rate,
            abandon_target=campaign.abandon_target,
            max_lines=lines,
        )

    async def _originate(self, campaign: CampaignView, claim: Claim) -> None:
        ivr = campaign.mode == IVR_MESSAGE
        self.tracker.expect(
            claim.attempt_id,
            self.clock(),
            detects_machines=campaign.amd and not ivr,
            via_queue=False,
            for_agent=not ivr,
        )
        if ivr:
            self._ivr.add(claim.attempt_id)
        else:
            self._times[claim.attempt_id] = DialTimes(dialled=self.clock())
        action = originate(campaign, claim, self.settings)
        try:
            await self.client.send(action)
        except AmiError as error:
            self.tracker.forget(claim.attempt_id)
            await self.crm.campaigns.attempt_ended(
                claim.attempt_id, cause=None, at=utc(self.clock()), abandoned=False
            )
            log.warning("campaign %s: Originate refused: %s", self.campaign_id, error)
            return
        self.counters.dialled += 1

    # -- outcomes --------------------------------------------------------------------

    async def _record(self, outcome: Outcome) -> None:
        """Act on an outcome at once (connect a person who answered, re-plan after an
        end) and queue its database write: a write never delays the next event."""
        self._writes.put_nowait((outcome, await self._note(outcome)))

    async def _note(self, outcome: Outcome) -> Write:
        times = self._times.get(outcome.attempt_id)
        if isinstance(outcome, Answered | AmdVerdict):
            if times is not None and isinstance(outcome, Answered):
                times.answered = outcome.at
            if times is not None and isinstance(outcome, AmdVerdict):
                times.machine = outcome.status == "MACHINE"
            # the 2-s clock runs in the dialplan
            await self.handover.connect(self.tracker.answered_waiting())
        elif isinstance(outcome, Bridged):
            if times is not None:
                times.bridged = outcome.at
            agent = self.handover.connected(outcome.attempt_id) or outcome.agent
            return Write(agent=agent, channel=self.handover.channels.get(outcome.attempt_id, ""))
        elif isinstance(outcome, Ended):
            self.handover.forget(outcome.attempt_id)
            ivr = outcome.attempt_id in self._ivr
            self._ivr.discard(outcome.attempt_id)
            if self._times.pop(outcome.attempt_id, None) is not None and times is not None:
                self.measures.dial_ended(
                    dialled_at=times.dialled,
                    answered_at=times.answered,
                    bridged_at=times.bridged,
                    ended_at=outcome.at,
                    machine=times.machine,
                )
            self.wake()
            # An IVR message is the call's purpose, not an abandon.
            return Write(abandoned=outcome.answered and not outcome.bridged and not ivr)
        return Write()

    async def _write(self) -> None:
        """Store the outcomes in the order they happened, then tell the listeners."""
        while True:
            outcome, write = await self._writes.get()
            try:
                await self._store(outcome, write)
                if self.on_recorded is not None:
                    self.on_recorded(self.campaign_id, outcome)
            except Exception:
                log.exception("campaign %s: storing %r failed", self.campaign_id, outcome)
            finally:
                self._writes.task_done()

    async def _store(self, outcome: Outcome, write: Write) -> None:
        store, at = self.crm.campaigns, utc(outcome.at)
        if isinstance(outcome, Answered):
            await store.attempt_answered(outcome.attempt_id, at=at)
            self.counters.answered += 1
        elif isinstance(outcome, AmdVerdict):
            await store.attempt_amd(outcome.attempt_id, outcome.status)
            self.counters.machines += outcome.status == "MACHINE"
        elif isinstance(outcome, IvrStep):
            await store.attempt_ivr(outcome.attempt_id, outcome.result)
        elif isinstance(outcome, Bridged):
            agent = await self.agent_login(write.agent) or write.agent
            await store.attempt_connected(outcome.attempt_id, agent_login=agent, at=at)
            self.counters.connected += 1
            campaign = self._campaign
            if self.recorder is not None and campaign is not None and write.channel:
                self.recorder.campaign_call_connected(
                    outcome.attempt_id, write.channel, agent_login=agent,
                    campaign=campaign.name, wanted=campaign.recording == "all",
                )  # fmt: skip
        else:
            await store.attempt_ended(
                outcome.attempt_id, cause=outcome.cause, at=at, abandoned=write.abandoned
            )
            self.counters.abandoned += write.abandoned


__all__ = ["CampaignRunner"]
