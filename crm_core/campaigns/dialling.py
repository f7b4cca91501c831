"""Claiming leads and recording what became of each dial.

``claim_next`` is one transaction: it checks the dialer's lease epoch, picks the due
pending leads in order (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two dialers never get
the same lead; SQLite has one writer at a time), leaves out every number that is
suppressed, invalid or resting after an abandon, checks consent and the calling window,
writes the attempt row (its id is the Originate's ``ChannelId``) and marks the lead in
flight. A lead whose window is closed gets its next callable time on the way.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_core.campaigns.callbacks import awaiting_callback
from crm_core.campaigns.compliance import callable_now, consented_members
from crm_core.campaigns.definitions import load
from crm_core.campaigns.exceptions import CampaignNotFoundError
from crm_core.campaigns.leases import lease_name, require_current
from crm_core.campaigns.models import (
    CallbackStatus,
    Campaign,
    CampaignCallback,
    CampaignLead,
    CampaignStatus,
    DialAttempt,
    InvalidNumber,
    LeadStatus,
)
from crm_core.campaigns.outcomes import (
    AmdVerdict,
    CallResult,
    LeadFate,
    LeadHistory,
    classify,
    next_step,
    retry_rules,
)
from crm_core.campaigns.schemas import AttemptResult, AttemptView, Claim
from crm_core.campaigns.windows import ZonePlan, is_open, next_open, parse_windows, plan_for
from crm_core.errors import InvalidInputError

BATCH = 20
"""How many due leads one claim looks at (and locks) at most."""


def zone_plan(campaign: Campaign, lead: CampaignLead) -> ZonePlan:
    """The zones and calling hours that decide when ``lead`` may be called."""
    return plan_for(
        lead_zone=lead.time_zone,
        phone=lead.phone,
        campaign_zone=campaign.time_zone,
        windows=parse_windows(campaign.windows),
    )


def new_attempt(
    session: Session,
    lead: CampaignLead,
    *,
    epoch: int,
    agent_login: str | None,
    callback: CampaignCallback | None,
    now: datetime,
) -> DialAttempt:
    """Write the attempt row for dialling ``lead`` (before any Originate) and mark the lead
    in flight; its uuid id becomes the callee channel's ``ChannelId``."""
    attempt = DialAttempt(
        id=uuid.uuid4().hex,
        campaign_id=lead.campaign_id,
        lead_id=lead.id,
        callback_id=None if callback is None else callback.id,
        phone=lead.phone,
        created_at=now,
        epoch=epoch,
        agent_login=agent_login,
        counted=False,
    )
    session.add(attempt)
    lead.status = LeadStatus.IN_FLIGHT
    session.flush()
    return attempt


def _dial(
    session: Session,
    lead: CampaignLead,
    epoch: int,
    now: datetime,
    callback: CampaignCallback | None = None,
) -> Claim:
    owner = None if callback is None else callback.owner_login
    attempt = new_attempt(session, lead, epoch=epoch, agent_login=owner, callback=callback, now=now)
    return Claim(
        attempt_id=attempt.id,
        lead_id=lead.id,
        phone=lead.phone,
        member_id=lead.member_id,
        name=lead.name,
        campaign_id=lead.campaign_id,
        custom=dict(lead.custom),
        callback_id=attempt.callback_id,
        owner_login=attempt.agent_login,
    )


def _refused_consent(session: Session, campaign: Campaign, lead: CampaignLead) -> bool:
    if not campaign.require_consent:
        return False
    if lead.member_id is not None and consented_members(session, [lead.member_id], "phone"):
        return False
    lead.status, lead.last_result = LeadStatus.SUPPRESSED, "no-consent"
    return True


def _running(session: Session, campaign_id: int, epoch: int, now: datetime) -> Campaign | None:
    require_current(session, lease_name(campaign_id), epoch, now)
    campaign = load(session, campaign_id)
    return campaign if campaign.status is CampaignStatus.RUNNING else None


def claim_next(session: Session, campaign_id: int, epoch: int, now: datetime) -> Claim | None:
    """The next lead to dial, its attempt written; None when none is callable now."""
    campaign = _running(session, campaign_id, epoch, now)
    if campaign is None:
        return None
    due = session.scalars(
        select(CampaignLead)
        .where(
            CampaignLead.campaign_id == campaign_id,
            CampaignLead.status == LeadStatus.PENDING,
            CampaignLead.next_callable_at <= now,
            callable_now(CampaignLead.phone, campaign_id, now, callback=False),
            ~awaiting_callback(CampaignLead.id),
        )
        .order_by(CampaignLead.next_callable_at, CampaignLead.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for lead in due:
        if _refused_consent(session, campaign, lead):
            continue
        plan = zone_plan(campaign, lead)
        if not is_open(plan, now):
            lead.next_callable_at = next_open(plan, now)
            continue
        return _dial(session, lead, epoch, now)
    return None


def claim_callback(
    session: Session, campaign_id: int, owner: str | None, epoch: int, now: datetime
) -> Claim | None:
    """A due call-back of ``owner`` (of anyone when None), offered and its attempt written.
    Call-backs are an agent's calls: the 72-hour rest after an abandon does not apply."""
    campaign = _running(session, campaign_id, epoch, now)
    if campaign is None:
        return None
    query = (
        select(CampaignCallback, CampaignLead)
        .join(CampaignLead, CampaignLead.id == CampaignCallback.lead_id)
        .where(
            CampaignCallback.campaign_id == campaign_id,
            CampaignCallback.status == CallbackStatus.SCHEDULED,
            CampaignCallback.due_at <= now,
            CampaignLead.status != LeadStatus.IN_FLIGHT,
            callable_now(CampaignLead.phone, campaign_id, now, callback=True),
        )
        .order_by(CampaignCallback.due_at, CampaignCallback.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    if owner is not None:
        query = query.where(CampaignCallback.owner_login == owner)
    for callback, lead in session.execute(query):
        if not is_open(zone_plan(campaign, lead), now):
            continue
        callback.status = CallbackStatus.OFFERED
        return _dial(session, lead, epoch, now, callback)
    return None


def _attempt(session: Session, attempt_id: str, *, lock: bool = True) -> DialAttempt:
    row = session.get(DialAttempt, attempt_id, with_for_update=lock)
    if row is None:
        raise CampaignNotFoundError(f"no dial attempt {attempt_id!r}", attempt_id=attempt_id)
    return row


def answered(session: Session, attempt_id: str, at: datetime) -> None:
    """The dialled channel came up (first report wins)."""
    row = _attempt(session, attempt_id)
    if row.answered_at is None and row.ended_at is None:
        row.answered_at = at


def amd(session: Session, attempt_id: str, status: str) -> None:
    """app_amd's verdict on the answered call."""
    if status not in {verdict.value for verdict in AmdVerdict}:
        raise InvalidInputError(f"status: {status!r} is not an AMD verdict", field="status")
    row = _attempt(session, attempt_id)
    if row.ended_at is None:
        row.amd_status = status


def ivr_result(session: Session, attempt_id: str, result: str) -> None:
    """What the callee of an IVR message campaign did: heard it to the end, or pressed a key.

    A key pressed outranks "played" (it is the answer the campaign asked for).
    """
    if result != "played" and not re.fullmatch(r"key-[0-9*#]", result):
        raise InvalidInputError(f"result: {result!r} is not an IVR result", field="result")
    row = _attempt(session, attempt_id)
    if row.ivr_result is None or result.startswith("key-"):
        row.ivr_result = result


def connected(session: Session, attempt_id: str, agent_login: str, at: datetime) -> None:
    """An agent was connected to the answered callee."""
    row = _attempt(session, attempt_id)
    if row.ended_at is None:
        row.connected_at, row.agent_login = at, agent_login
        row.answered_at = row.answered_at or at


def _result(row: DialAttempt, lead: CampaignLead, marked: bool) -> AttemptResult:
    return AttemptResult(
        attempt_id=row.id,
        lead_id=lead.id,
        result=row.result or "",
        counted=row.counted,
        lead_status=lead.status.value,
        next_callable_at=lead.next_callable_at,
        number_marked_invalid=marked,
    )


def _history(session: Session, lead: CampaignLead, result: CallResult) -> LeadHistory:
    same, first = session.execute(
        select(
            func.count().filter(DialAttempt.result == result.value),
            func.min(DialAttempt.created_at),
        ).where(DialAttempt.lead_id == lead.id)
    ).one()
    return LeadHistory(counted_before=lead.attempts, same_result=same + 1, first_dialled_at=first)


def _mark_invalid(session: Session, row: DialAttempt, cause: int | None, at: datetime) -> None:
    if session.get(InvalidNumber, row.phone) is None:
        session.add(InvalidNumber(phone=row.phone, cause=cause, attempt_id=row.id, marked_at=at))
    session.execute(
        update(CampaignLead)
        .where(CampaignLead.phone == row.phone, CampaignLead.status == LeadStatus.PENDING)
        .values(status=LeadStatus.INVALID, last_result=CallResult.INVALID.value)
    )


def ended(
    session: Session, attempt_id: str, cause: int | None, at: datetime, abandoned: bool
) -> AttemptResult:
    """Classify the ended attempt and apply the campaign's retry rules to its lead; a
    second report of the same attempt changes nothing and returns the first outcome."""
    row = _attempt(session, attempt_id)
    lead = session.get(CampaignLead, row.lead_id, with_for_update=True)
    assert lead is not None  # the foreign key holds it
    if row.ended_at is not None:
        return _result(row, lead, row.result == CallResult.INVALID.value)
    campaign = load(session, row.campaign_id)
    result = classify(
        cause=cause, answered=row.answered_at is not None, amd=row.amd_status, abandoned=abandoned
    )
    step = next_step(
        result,
        ended_at=at,
        history=_history(session, lead, result),
        rules=retry_rules(campaign.retry_rules),
        max_attempts=campaign.max_attempts,
    )
    row.ended_at, row.hangup_cause, row.result, row.counted = at, cause, result.value, step.counted
    lead.last_result = result.value
    lead.attempts += 1 if step.counted else 0
    lead.next_callable_at = None
    if step.fate is LeadFate.RETRY:
        lead.status = LeadStatus.PENDING
        assert step.retry_after is not None
        lead.next_callable_at = next_open(zone_plan(campaign, lead), step.retry_after)
    else:
        lead.status = LeadStatus(step.fate.value)
    if row.callback_id is not None:
        session.execute(
            update(CampaignCallback)
            .where(CampaignCallback.id == row.callback_id)
            .values(status=CallbackStatus.DONE)
        )
    session.flush()
    if step.fate is LeadFate.INVALID:
        _mark_invalid(session, row, cause, at)
    return _result(row, lead, step.fate is LeadFate.INVALID)


def attempt_view(row: DialAttempt) -> AttemptView:
    """The data object of a stored attempt."""
    return AttemptView(
        id=row.id,
        campaign_id=row.campaign_id,
        lead_id=row.lead_id,
        phone=row.phone,
        epoch=row.epoch,
        created_at=row.created_at,
        agent_login=row.agent_login,
        answered_at=row.answered_at,
        amd_status=row.amd_status,
        ivr_result=row.ivr_result,
        survey_response_id=row.survey_response_id,
        connected_at=row.connected_at,
        ended_at=row.ended_at,
        hangup_cause=row.hangup_cause,
        result=row.result,
        counted=row.counted,
    )
