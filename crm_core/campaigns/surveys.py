"""The keypad survey an IVR message campaign's callee answers after the message.

The survey's response is opened and recorded on the dial attempt in one transaction, so
an attempt has at most one response and no response is left without its attempt. The
response carries the lead's member when the lead is one; its answers are then the
survey's like any other (``survey_responses``), read per lead through the attempt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.campaigns.exceptions import CampaignNotFoundError
from crm_core.campaigns.models import Campaign, CampaignLead, DialAttempt
from crm_core.members.models import Member
from crm_core.surveys.exceptions import AlreadySurveyedError
from crm_core.surveys.models import SurveyChannel, SurveyResponse
from crm_core.surveys.responses import start_response
from crm_core.surveys.schemas import ResponseStart


def start_survey(session: Session, attempt_id: str, now: datetime) -> int | None:
    """Open the campaign's survey for the attempt's callee: the response's id, or ``None``
    when the campaign has no survey. :class:`AlreadySurveyedError` for a second start."""
    attempt = session.get(DialAttempt, attempt_id, with_for_update=True)
    if attempt is None:
        raise CampaignNotFoundError(f"no dial attempt {attempt_id!r}", attempt_id=attempt_id)
    campaign = session.get(Campaign, attempt.campaign_id)
    if campaign is None or campaign.survey is None:
        return None
    if attempt.survey_response_id is not None:
        raise AlreadySurveyedError(
            f"dial attempt {attempt_id} already has a survey response",
            attempt_id=attempt_id,
            response_id=attempt.survey_response_id,
        )
    member_number = session.scalar(
        select(Member.number)
        .join(CampaignLead, CampaignLead.member_id == Member.id)
        .where(CampaignLead.id == attempt.lead_id)
    )
    request = ResponseStart(
        questionnaire=campaign.survey, channel=SurveyChannel.IVR, member_number=member_number
    )
    response = start_response(session, request, now)
    attempt.survey_response_id = response.id
    return response.id


def survey_counts(session: Session, campaign_id: int) -> tuple[int, int]:
    """(responses started, responses completed) of the campaign's callees."""
    started, completed = session.execute(
        select(func.count(), func.count(SurveyResponse.completed_at))
        .select_from(DialAttempt)
        .join(SurveyResponse, SurveyResponse.id == DialAttempt.survey_response_id)
        .where(DialAttempt.campaign_id == campaign_id)
    ).one()
    return int(started), int(completed)
