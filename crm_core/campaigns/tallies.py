"""A campaign's figures: the abandon counts of the regulated rate, and its live counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.models import CampaignLead, DialAttempt, LeadStatus
from crm_core.campaigns.outcomes import AmdVerdict, CallResult
from crm_core.campaigns.rates import AbandonCounts, abandon_rate
from crm_core.campaigns.schemas import CampaignCounters
from crm_core.campaigns.surveys import survey_counts

PERSON = (CallResult.ANSWERED.value, CallResult.ABANDONED.value)
"""The results of calls a person answered (machines are not in the abandon rate)."""


def abandon_counts(session: Session, campaign_id: int, since: datetime) -> AbandonCounts:
    """Ended calls answered by a person since ``since`` (by answer time), and of those the
    abandoned ones."""
    person, abandoned = session.execute(
        select(
            func.count(),
            func.count().filter(DialAttempt.result == CallResult.ABANDONED.value),
        ).where(
            DialAttempt.campaign_id == campaign_id,
            DialAttempt.answered_at >= since,
            DialAttempt.result.in_(PERSON),
        )
    ).one()
    return AbandonCounts(answered_by_person=person, abandoned=abandoned)


def counters(session: Session, campaign_id: int) -> CampaignCounters:
    """Attempts and leads of the campaign, counted by what became of them."""
    attempt = DialAttempt
    (dialled, ringing, answered, connected, abandoned, machines, human, machine, notsure) = (
        session.execute(
            select(
                func.count(),
                func.count().filter(attempt.ended_at.is_(None), attempt.answered_at.is_(None)),
                func.count().filter(attempt.answered_at.is_not(None)),
                func.count().filter(attempt.connected_at.is_not(None)),
                func.count().filter(attempt.result == CallResult.ABANDONED.value),
                func.count().filter(attempt.result == CallResult.MACHINE.value),
                func.count().filter(attempt.amd_status == AmdVerdict.HUMAN.value),
                func.count().filter(attempt.amd_status == AmdVerdict.MACHINE.value),
                func.count().filter(attempt.amd_status == AmdVerdict.NOTSURE.value),
            ).where(attempt.campaign_id == campaign_id)
        ).one()
    )
    person = session.scalar(
        select(func.count()).where(attempt.campaign_id == campaign_id, attempt.result.in_(PERSON))
    )
    by_status = {
        key: value
        for key, value in session.execute(
            select(CampaignLead.status, func.count())
            .where(CampaignLead.campaign_id == campaign_id)
            .group_by(CampaignLead.status)
        )
    }
    surveys_started, surveys_completed = survey_counts(session, campaign_id)
    return CampaignCounters(
        campaign_id=campaign_id,
        dialled=dialled,
        ringing=ringing,
        answered=answered,
        connected=connected,
        abandoned=abandoned,
        machines=machines,
        amd_human=human,
        amd_machine=machine,
        amd_notsure=notsure,
        abandon_rate=abandon_rate(AbandonCounts(person or 0, abandoned)),
        leads=sum(by_status.values()),
        remaining=by_status.get(LeadStatus.PENDING, 0) + by_status.get(LeadStatus.IN_FLIGHT, 0),
        done=by_status.get(LeadStatus.DONE, 0),
        failed=by_status.get(LeadStatus.FAILED, 0),
        invalid=by_status.get(LeadStatus.INVALID, 0),
        surveys_started=surveys_started,
        surveys_completed=surveys_completed,
        ivr_results={
            str(result): count
            for result, count in session.execute(
                select(attempt.ivr_result, func.count())
                .where(attempt.campaign_id == campaign_id, attempt.ivr_result.is_not(None))
                .group_by(attempt.ivr_result)
            )
        },
    )
