"""Preview dialling: an agent sees the next lead (its member's 360° view, the campaign's
script and disposition codes), then dials it, skips it or schedules a call-back.

The lead is claimed for the agent when shown (the CRM's
:class:`~crm_core.campaigns.agent_leads.PreviewLeads`): the agent's own due call-back
first, then a due call-back whose owner is away, then the campaign's next lead.

Dialling rings the agent's own phone first, as click-to-dial does: the agent's interface
is originated into the preview context (``ChannelId`` = the attempt id +
:data:`~cti.bus.dialplan.PREVIEW_AGENT_SUFFIX`), which dials the callee through the trunk
once the agent answers. Dial's pre-dial handler announces the callee's channel with the
attempt id (see ``[ctidesk-preview]`` in ``config/asterisk/extensions.conf``), so the
callee's events are joined to the attempt and fed to the dialer's own
:class:`~cti.dialer.tracker.AttemptTracker` under the attempt's id: the answer, the
bridge with the agent and the ``Hangup`` cause that classifies the outcome are recorded
through the same CRM calls as the runner's. An agent leg that ends before any callee
channel was announced reached nobody: the attempt stays open and the agent may dial again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from crm_core.campaigns.agent_leads import AgentLead
from crm_core.campaigns.schemas import CallbackView, CampaignView
from crm_core.errors import NotFoundError
from crm_core.member360.schemas import Member360
from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.ami import Action, AmiClient, AmiMessage
from cti.ami.subscription import Subscription
from cti.bus import dialplan
from cti.bus.actions import phone_of, send_action
from cti.dialer.lease import utc
from cti.dialer.tracker import Answered, AttemptTracker, Bridged, Ended, Outcome
from cti.http.errors import ApiError
from cti.model import CallCentreModel
from cti.model.frame import Frame
from cti.model.views import AgentStatus
from cti.settings import DialerSettings

log = logging.getLogger(__name__)
Clock = Callable[[], float]
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
AWAY = frozenset({AgentStatus.SIGNED_OUT, AgentStatus.PAUSED})
"""An owner in one of these states (or not signed in at all) is away: their due call-backs
go to the campaign's other agents."""


class NotYourLeadError(ApiError):
    """The attempt was claimed by another agent."""

    status: ClassVar[int] = 403
    error_id: ClassVar[str] = "not-your-lead"


class PreviewStateError(ApiError):
    """The attempt is being dialled, or has ended: the action does not fit."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "preview-state"


@dataclass(frozen=True)
class PreviewLead:
    """What the agent sees before dialling: the lead, its member, the campaign's script."""

    attempt_id: str
    campaign_id: int
    campaign_name: str
    phone: str
    name: str | None
    custom: dict[str, object]
    member_number: str | None
    member: Member360 | None
    script: str | None
    dispositions: tuple[str, ...]
    callback: CallbackView | None
    """The call-back this lead is offered for (its owner, due time and note), if any."""
    agent_login: str | None
    dialling: bool
    ended: bool
    result: str | None


@dataclass(frozen=True)
class PreviewOffer:
    """The answer to "next": a lead, or none (nothing callable now)."""

    lead: PreviewLead | None


@dataclass(frozen=True)
class PreviewDialled:
    """The agent's phone is being rung; the callee follows once it answers."""

    attempt_id: str
    call_id: str
    """The agent leg's id: the call's id in the live views and call control."""
    phone: str


@dataclass(frozen=True)
class PreviewSkipped:
    """A lead given back without dialling, and where it stands now."""

    attempt_id: str
    reason: str
    lead_status: str


@dataclass
class _Dialling:
    login: str
    agent_leg: str
    campaign_id: int
    callee: str | None = None


@dataclass(frozen=True)
class _AsAttempt:
    """A callee's frame read under its attempt's id (what the tracker joins on)."""

    frame: Frame
    attempt_id: str

    def get(self, key: str, default: str = "", /) -> str:
        if key.lower() == "uniqueid":
            return self.attempt_id
        return self.frame.get(key, default)

    def get_all(self, key: str, /) -> list[str]:
        return self.frame.get_all(key)

    def __contains__(self, key: object, /) -> bool:
        return key in self.frame


@dataclass
class PreviewDesk:
    """Agents' preview leads: next, dial, skip, call-back; follows their calls on AMI."""

    crm: Crm
    client: AmiClient
    model: CallCentreModel
    settings: DialerSettings
    clock: Clock = time.time
    on_recorded: Callable[[int, Outcome], None] | None = None
    """Called with ``(campaign_id, outcome)`` once each outcome is in the database."""
    tracker: AttemptTracker = field(default_factory=AttemptTracker)
    _dialling: dict[str, _Dialling] = field(default_factory=dict)
    _by_channel: dict[str, str] = field(default_factory=dict)
    _subscription: Subscription | None = None

    async def start(self) -> None:
        """Follow the AMI stream (the preview calls' events)."""
        self._subscription = self.client.subscribe(self._on_frame, name="preview")

    async def stop(self) -> None:
        """Stop following the stream (calls in flight go on; nothing more is recorded)."""
        if self._subscription is not None:
            await self._subscription.close()

    def _now(self) -> datetime:
        """The CRM's time: what is due is judged by the campaigns' own clock."""
        return self.crm.campaigns.clock()

    # -- the agent's actions ---------------------------------------------------------
    async def next(self, user: UserView, campaign_id: int) -> PreviewOffer:
        """The lead to show ``user`` now, claimed for them, or none."""
        campaign = await self.crm.campaigns.get(campaign_id)
        now = self._now()
        away = await self._away_owners(campaign_id, user.login, now)
        claimed = await self.crm.campaigns.preview.claim(
            campaign_id, user.login, away=away, now=now
        )
        return PreviewOffer(await self._shown(campaign, claimed) if claimed else None)

    async def show(self, user: UserView, attempt_id: str) -> PreviewLead:
        """A claimed lead as its agent (or a supervisor) sees it."""
        lead = await self._lead(user, attempt_id, supervisor_may=True)
        return await self._shown(await self.crm.campaigns.get(lead.campaign_id), lead)

    async def dial(self, user: UserView, attempt_id: str) -> PreviewDialled:
        """Ring the agent's phone; once answered, the callee (see the module docstring)."""
        lead = await self._open(user, attempt_id)
        interface = phone_of(user)
        campaign = await self.crm.campaigns.get(lead.campaign_id)
        if campaign.status != "running":
            raise PreviewStateError(
                f"campaign {campaign.id} is {campaign.status}: no dialling",
                campaign_id=campaign.id,
            )
        number = lead.phone.removeprefix("+")
        leg = attempt_id + dialplan.PREVIEW_AGENT_SUFFIX
        self._dialling[attempt_id] = _Dialling(user.login, leg, lead.campaign_id)
        self._by_channel[leg] = attempt_id
        self.tracker.expect(attempt_id, self.clock(), via_queue=False)
        self.model.expect_outbound(leg, interface, lead.phone)
        variables = [
            f"{dialplan.ATTEMPT_VARIABLE}={attempt_id}",
            f"{dialplan.TARGET_VARIABLE}={self.settings.trunk.format(number=number)}",
            f"{dialplan.PREVIEW_RING_VARIABLE}={self.settings.ring_seconds}",
        ]
        action = Action(
            "Originate",
            {
                "Channel": interface,
                "ChannelId": leg,
                "Context": dialplan.PREVIEW_CONTEXT,
                "Exten": number,
                "Priority": "1",
                "CallerID": campaign.caller_id or "",
                "Timeout": str(self.settings.ring_seconds * 1000),
                "Async": "true",
                "Variable": variables,
            },
        )
        try:
            await send_action(self.client, action)
        except ApiError:
            self._forget(attempt_id)
            raise
        return PreviewDialled(attempt_id, leg, lead.phone)

    async def skip(self, user: UserView, attempt_id: str, reason: str) -> PreviewSkipped:
        """Give the lead back undialled: for later, or as not needed."""
        await self._open(user, attempt_id)
        status = await self.crm.campaigns.preview.skip(attempt_id, reason, self._now())
        return PreviewSkipped(attempt_id, reason, status)

    async def call_back(
        self, user: UserView, attempt_id: str, due_at: datetime, note: str | None
    ) -> CallbackView:
        """A durable call-back of the lead, owned by ``user``, due at ``due_at``."""
        lead = await self._lead(user, attempt_id, supervisor_may=False)
        dialled = attempt_id in self._dialling or lead.ended
        return await self.crm.campaigns.preview.call_back(
            attempt_id, owner=user.login, due_at=due_at, note=note, dialled=dialled,
            now=self._now(),
        )  # fmt: skip

    # -- reading ---------------------------------------------------------------------
    async def _lead(self, user: UserView, attempt_id: str, *, supervisor_may: bool) -> AgentLead:
        lead = await self.crm.campaigns.preview.lead(attempt_id)
        if lead.agent_login != user.login and not (supervisor_may and user.role in SUPERVISORS):
            raise NotYourLeadError(
                f"attempt {attempt_id} is another agent's lead", attempt_id=attempt_id
            )
        return lead

    async def _open(self, user: UserView, attempt_id: str) -> AgentLead:
        lead = await self._lead(user, attempt_id, supervisor_may=False)
        if lead.ended:
            raise PreviewStateError(f"attempt {attempt_id} has ended", attempt_id=attempt_id)
        if attempt_id in self._dialling:
            raise PreviewStateError(f"attempt {attempt_id} is being dialled", attempt_id=attempt_id)
        return lead

    async def _shown(self, campaign: CampaignView, lead: AgentLead) -> PreviewLead:
        member = None
        if lead.member_number is not None:
            with contextlib.suppress(NotFoundError):
                member = await self.crm.member360.view(lead.member_number)
        return PreviewLead(
            attempt_id=lead.attempt_id,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            phone=lead.phone,
            name=lead.name,
            custom=dict(lead.custom),
            member_number=lead.member_number,
            member=member,
            script=campaign.script,
            dispositions=campaign.dispositions,
            callback=lead.callback,
            agent_login=lead.agent_login,
            dialling=lead.attempt_id in self._dialling,
            ended=lead.ended,
            result=lead.result,
        )

    async def _away_owners(self, campaign_id: int, login: str, now: datetime) -> list[str]:
        """Owners of the campaign's due call-backs who are away (see :data:`AWAY`)."""
        owners = {
            callback.owner_login
            for callback in await self.crm.campaigns.due_callbacks(now)
            if callback.campaign_id == campaign_id and callback.owner_login != login
        }
        return [owner for owner in sorted(owners) if not await self._present(owner)]

    async def _present(self, login: str) -> bool:
        try:
            user = await self.crm.users.get(login)
        except NotFoundError:
            return False
        agent = self.model.agent(user.interface, self.clock()) if user.interface else None
        return agent is not None and agent.state not in AWAY

    # -- following the calls ---------------------------------------------------------
    async def _on_frame(self, message: AmiMessage) -> None:
        try:
            await self.follow(message)
        except Exception:
            log.exception("preview: recording an outcome failed")

    async def follow(self, frame: Frame) -> None:
        """Read one AMI event: join a callee to its attempt, record what it tells."""
        uniqueid = frame.get("Uniqueid")
        if frame.get("Event") == "UserEvent":
            self._announced(frame, uniqueid)
            return
        attempt_id = self._by_channel.get(uniqueid)
        if attempt_id is None:
            return
        calling = self._dialling.get(attempt_id)
        if calling is not None and uniqueid == calling.agent_leg:
            if calling.callee is None and _ended(frame):
                self._forget(attempt_id)  # the agent's leg ended before any callee
            return
        for outcome in self.tracker.feed(_AsAttempt(frame, attempt_id), _event_time(frame)):
            await self._record(outcome)

    def _announced(self, frame: Frame, uniqueid: str) -> None:
        if (
            frame.get("UserEvent") != dialplan.DIALER_USER_EVENT
            or frame.get("Step") != dialplan.STEP_PREVIEW_CALLEE
        ):
            return
        calling = self._dialling.get(frame.get("Attempt"))
        if calling is not None and calling.callee is None and uniqueid:
            calling.callee = uniqueid
            self._by_channel[uniqueid] = frame.get("Attempt")

    async def _record(self, outcome: Outcome) -> None:
        store, at = self.crm.campaigns, utc(outcome.at)
        calling = self._dialling.get(outcome.attempt_id)
        if isinstance(outcome, Answered):
            await store.attempt_answered(outcome.attempt_id, at=at)
        elif isinstance(outcome, Bridged) and calling is not None:
            await store.attempt_connected(outcome.attempt_id, agent_login=calling.login, at=at)
        elif isinstance(outcome, Ended):
            self._forget(outcome.attempt_id)
            await store.attempt_ended(
                outcome.attempt_id,
                cause=outcome.cause,
                at=at,
                abandoned=outcome.answered and not outcome.bridged,
            )
        if calling is not None and self.on_recorded is not None:
            self.on_recorded(calling.campaign_id, outcome)

    def _forget(self, attempt_id: str) -> None:
        calling = self._dialling.pop(attempt_id, None)
        self.tracker.forget(attempt_id)
        if calling is not None:
            self._by_channel.pop(calling.agent_leg, None)
            if calling.callee is not None:
                self._by_channel.pop(calling.callee, None)


def _ended(frame: Frame) -> bool:
    event = frame.get("Event")
    return event == "Hangup" or (
        event == "OriginateResponse" and frame.get("Response") != "Success"
    )


def _event_time(frame: Frame) -> float:
    stamp = frame.get("Timestamp")
    try:
        return float(stamp) if stamp else time.time()
    except ValueError:
        return time.time()


__all__ = [
    "AWAY",
    "NotYourLeadError",
    "PreviewDesk",
    "PreviewDialled",
    "PreviewLead",
    "PreviewOffer",
    "PreviewSkipped",
    "PreviewStateError",
]
