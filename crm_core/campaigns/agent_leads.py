"""Leads an agent claims in preview: the agent sees the lead first, then dials, skips or
schedules a call-back.

An agent's claim is one transaction, like a dialer's, but under no lease: agents claim
for themselves, and the row locks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one writer
on SQLite) keep two agents from getting the same lead. The claim offers, in order: the
agent's own attempt still open in the campaign (a console that reloads gets it back),
the agent's own due call-back, a due call-back whose owner is away, and — in a preview
campaign — the next due lead. The attempt row is written at the claim with the agent as
its owner and :data:`PREVIEW_EPOCH`; its outcome is recorded through the same calls as
a dialer's (``attempt_answered`` / ``attempt_connected`` / ``attempt_ended``).

A call-back is an agent's call: the 72-hour rest after an abandoned call does not apply
to it (suppression and invalid numbers still do). A lead with a call-back scheduled is
left out of every dialer's and agent's next-lead claim until the call-back is done.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns import callbacks
from crm_core.campaigns.compliance import callable_now, consented_members
from crm_core.campaigns.definitions import load
from crm_core.campaigns.dialling import new_attempt, zone_plan
from crm_core.campaigns.exceptions import CampaignNotFoundError, CampaignStateError
from crm_core.campaigns.models import (
    CallbackStatus,
    Campaign,
    CampaignCallback,
    CampaignLead,
    CampaignMode,
    CampaignStatus,
    DialAttempt,
    LeadStatus,
)
from crm_core.campaigns.schemas import CallbackView
from crm_core.campaigns.windows import is_open, next_open
from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.members.models import Member

PREVIEW_EPOCH = 0
"""The epoch of attempts agents claim: no dialer's lease wrote them (a dialer taking over
a campaign leaves them to their agents)."""
BATCH = 20
"""How many due leads or call-backs one claim looks at at most (locking one at a time)."""
SKIP_REST = timedelta(hours=1)
"""A lead skipped for later comes back (to anyone) after this long."""


class SkipReason(enum.StrEnum):
    """Why an agent skips a lead without dialling it."""

    LATER = "later"  # not now: the lead goes back to the list, callable after SKIP_REST
    NOT_NEEDED = "not-needed"  # the 360° view shows the call is not needed: the lead is done


@dataclass(frozen=True)
class AgentLead:
    """A lead claimed by an agent: its attempt, the lead, its member and call-back."""

    attempt_id: str
    campaign_id: int
    lead_id: int
    phone: str
    name: str | None
    member_id: int | None
    member_number: str | None
    agent_login: str | None
    callback: CallbackView | None
    ended: bool
    result: str | None
    custom: dict[str, Any] = field(default_factory=dict)


def _callback_view(session: Session, callback_id: int | None, phone: str) -> CallbackView | None:
    row = session.get(CampaignCallback, callback_id) if callback_id is not None else None
    if row is None:
        return None
    return CallbackView(
        id=row.id,
        campaign_id=row.campaign_id,
        lead_id=row.lead_id,
        phone=phone,
        owner_login=row.owner_login,
        due_at=row.due_at,
        note=row.note,
        status=row.status.value,
    )


def _agent_lead(session: Session, row: DialAttempt) -> AgentLead:
    lead = session.get(CampaignLead, row.lead_id)
    assert lead is not None  # the foreign key holds it
    number = (
        session.scalar(select(Member.number).where(Member.id == lead.member_id))
        if lead.member_id is not None
        else None
    )
    return AgentLead(
        attempt_id=row.id,
        campaign_id=row.campaign_id,
        lead_id=lead.id,
        phone=lead.phone,
        name=lead.name,
        member_id=lead.member_id,
        member_number=number,
        agent_login=row.agent_login,
        callback=_callback_view(session, row.callback_id, lead.phone),
        ended=row.ended_at is not None,
        result=row.result,
        custom=dict(lead.custom),
    )


def _take(
    session: Session,
    lead: CampaignLead,
    agent: str,
    now: datetime,
    callback: CampaignCallback | None = None,
) -> AgentLead:
    attempt = new_attempt(
        session, lead, epoch=PREVIEW_EPOCH, agent_login=agent, callback=callback, now=now
    )
    if callback is not None:
        callback.status = CallbackStatus.OFFERED
        session.flush()
    return _agent_lead(session, attempt)


def _open_attempt(session: Session, campaign_id: int, agent: str) -> DialAttempt | None:
    return session.scalars(
        select(DialAttempt)
        .where(
            DialAttempt.campaign_id == campaign_id,
            DialAttempt.agent_login == agent,
            DialAttempt.epoch == PREVIEW_EPOCH,
            DialAttempt.ended_at.is_(None),
        )
        .order_by(DialAttempt.created_at, DialAttempt.id)
    ).first()


def _due_callback(
    session: Session,
    campaign: Campaign,
    owners: Collection[str],
    now: datetime,
) -> tuple[CampaignCallback, CampaignLead] | None:
    passed: list[int] = []
    for _ in range(BATCH if owners else 0):
        row = session.execute(
            select(CampaignCallback, CampaignLead)
            .join(CampaignLead, CampaignLead.id == CampaignCallback.lead_id)
            .where(
                CampaignCallback.campaign_id == campaign.id,
                CampaignCallback.owner_login.in_(owners),
                CampaignCallback.status == CallbackStatus.SCHEDULED,
                CampaignCallback.due_at <= now,
                CampaignCallback.id.not_in(passed),
                CampaignLead.status != LeadStatus.IN_FLIGHT,
                callable_now(CampaignLead.phone, campaign.id, now, callback=True),
            )
            .order_by(CampaignCallback.due_at, CampaignCallback.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        callback, lead = row[0], row[1]
        if is_open(zone_plan(campaign, lead), now):
            return callback, lead
        passed.append(callback.id)
    return None


def _next_lead(session: Session, campaign: Campaign, now: datetime) -> CampaignLead | None:
    """The first due lead callable now. Rows are locked one at a time (``SKIP LOCKED``), so
    agents claiming at once each get the next free lead, not nothing; a lead found closed
    or without consent is updated on the way and no longer matches."""
    for _ in range(BATCH):
        lead = session.scalars(
            select(CampaignLead)
            .where(
                CampaignLead.campaign_id == campaign.id,
                CampaignLead.status == LeadStatus.PENDING,
                CampaignLead.next_callable_at <= now,
                callable_now(CampaignLead.phone, campaign.id, now, callback=False),
                ~callbacks.awaiting_callback(CampaignLead.id),
            )
            .order_by(CampaignLead.next_callable_at, CampaignLead.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if lead is None:
            return None
        if campaign.require_consent and not (
            lead.member_id is not None and consented_members(session, [lead.member_id], "phone")
        ):
            lead.status, lead.last_result = LeadStatus.SUPPRESSED, "no-consent"
            session.flush()
            continue
        plan = zone_plan(campaign, lead)
        if is_open(plan, now):
            return lead
        lead.next_callable_at = next_open(plan, now)
        session.flush()
    return None


def claim(
    session: Session, campaign_id: int, agent: str, away: Collection[str], now: datetime
) -> AgentLead | None:
    """The lead to show ``agent`` now, its attempt written (see the module's docstring);
    ``away`` are owners whose due call-backs anyone may take. None: nothing to call."""
    campaign = load(session, campaign_id)
    if campaign.status is not CampaignStatus.RUNNING:
        raise CampaignStateError(
            f"campaign {campaign_id} is {campaign.status.value}, not running",
            campaign_id=campaign_id,
            status=campaign.status.value,
        )
    mine = _open_attempt(session, campaign_id, agent)
    if mine is not None:
        return _agent_lead(session, mine)
    for owners in ((agent,), [owner for owner in away if owner != agent]):
        found = _due_callback(session, campaign, owners, now)
        if found is not None:
            return _take(session, found[1], agent, now, found[0])
    if campaign.mode is not CampaignMode.PREVIEW:
        return None
    lead = _next_lead(session, campaign, now)
    return _take(session, lead, agent, now) if lead is not None else None


def _attempt(session: Session, attempt_id: str) -> DialAttempt:
    row = session.get(DialAttempt, attempt_id, with_for_update=True)
    if row is None:
        raise CampaignNotFoundError(f"no dial attempt {attempt_id!r}", attempt_id=attempt_id)
    return row


def agent_lead(session: Session, attempt_id: str) -> AgentLead:
    """The claimed lead of attempt ``attempt_id``."""
    return _agent_lead(session, _attempt(session, attempt_id))


def _release(session: Session, row: DialAttempt) -> tuple[CampaignLead, CampaignCallback | None]:
    """Drop an attempt that was never dialled (a reservation, not a call): its lead and
    call-back are the caller's to settle."""
    if row.ended_at is not None:
        raise CampaignStateError(f"attempt {row.id} has ended", attempt_id=row.id)
    lead = session.get(CampaignLead, row.lead_id, with_for_update=True)
    assert lead is not None  # the foreign key holds it
    callback = session.get(CampaignCallback, row.callback_id) if row.callback_id else None
    session.delete(row)
    lead.status = LeadStatus.PENDING
    return lead, callback


def skip(session: Session, attempt_id: str, reason: str, now: datetime) -> str:
    """Give back an undialled lead: for later (callable again after :data:`SKIP_REST`; a
    call-back is due again then) or as not needed (the lead is done, a call-back
    cancelled). Returns the lead's status."""
    try:
        why = SkipReason(reason)
    except ValueError:
        allowed = ", ".join(member.value for member in SkipReason)
        raise InvalidInputError(
            f"reason: {reason!r} is not one of {allowed}", field="reason"
        ) from None
    lead, callback = _release(session, _attempt(session, attempt_id))
    if why is SkipReason.LATER:
        lead.next_callable_at = now + SKIP_REST
        if callback is not None:
            callback.status, callback.due_at = CallbackStatus.SCHEDULED, now + SKIP_REST
    else:
        lead.status, lead.last_result = LeadStatus.DONE, "skipped"
        if callback is not None:
            callback.status = CallbackStatus.CANCELLED
    session.flush()
    return lead.status.value


def call_back(
    session: Session,
    attempt_id: str,
    *,
    owner: str,
    due_at: datetime,
    note: str | None,
    dialled: bool,
    now: datetime,
) -> CallbackView:
    """Schedule a call-back of the attempt's lead for ``owner``. An open attempt that was
    never dialled (``dialled`` False) is given back first; a call-back it came from is
    cancelled (the new one replaces it)."""
    if due_at <= now:
        raise InvalidInputError("due_at: must be in the future", field="due_at")
    row = _attempt(session, attempt_id)
    lead_id = row.lead_id
    if row.ended_at is None and not dialled:
        _lead, replaced = _release(session, row)
        if replaced is not None:
            replaced.status = CallbackStatus.CANCELLED
        session.flush()
    return callbacks.schedule(session, lead_id, owner, due_at, note, now)


class PreviewLeads:
    """Agents' preview claims over one database; each call is one transaction."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def claim(
        self, campaign_id: int, agent: str, *, away: Collection[str] = (), now: datetime
    ) -> AgentLead | None:
        """The lead to show ``agent`` now (see :func:`claim`)."""
        owners = tuple(away)
        return await self._db.run_write(
            lambda session: claim(session, campaign_id, agent, owners, now)
        )

    async def lead(self, attempt_id: str) -> AgentLead:
        """The claimed lead of an attempt."""
        return await self._db.run_write(lambda session: agent_lead(session, attempt_id))

    async def skip(self, attempt_id: str, reason: str, now: datetime) -> str:
        """Give back an undialled lead (see :func:`skip`); the lead's status."""
        return await self._db.run_write(lambda session: skip(session, attempt_id, reason, now))

    async def call_back(
        self,
        attempt_id: str,
        *,
        owner: str,
        due_at: datetime,
        note: str | None,
        dialled: bool,
        now: datetime,
    ) -> CallbackView:
        """Schedule a call-back of the attempt's lead (see :func:`call_back`)."""
        return await self._db.run_write(
            lambda session: call_back(
                session,
                attempt_id,
                owner=owner,
                due_at=due_at,
                note=note,
                dialled=dialled,
                now=now,
            )
        )


__all__ = [
    "BATCH",
    "PREVIEW_EPOCH",
    "SKIP_REST",
    "AgentLead",
    "PreviewLeads",
    "SkipReason",
    "agent_lead",
    "call_back",
    "claim",
    "skip",
]
