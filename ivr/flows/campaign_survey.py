"""An IVR message campaign's keypad survey: the callee answers it right after the message.

The dialplan (``[ctidesk-dialer-ivr]``) runs it when the dialer set ``CTIDESK_IVR_SURVEY``
on the call, after the message and the wait for a key (a key other than the one to reach
an agent goes on to the survey). The dialer's Originate gave the callee's channel the dial
attempt's id as its Uniqueid, so the attempt, and through it the campaign's questionnaire
and the lead's member, come from the CRM, never from the channel. The questions are asked
as in the post-call survey: each answer stored as given, an invalid key or silence asks
once more, then skips.
"""

from __future__ import annotations

import logging

from crm_core.errors import CrmError
from ivr.flows.common import FlowDeps
from ivr.flows.survey import answer_questions
from ivr.session import AgiSession

log = logging.getLogger(__name__)


async def campaign_survey_flow(session: AgiSession, deps: FlowDeps) -> None:
    """Survey the callee of the dial attempt this channel is, if its campaign has a survey."""
    attempt_id = session.env.get("uniqueid")
    try:
        response_id = await deps.crm.campaigns.start_survey(attempt_id)
        if response_id is None:
            return
        response = await deps.crm.survey_responses.get(response_id)
        questionnaire = await deps.crm.questionnaires.get(
            response.questionnaire, version=response.version
        )
    except CrmError as error:
        log.warning("no campaign survey for attempt %r: %s", attempt_id, error)
        return
    await answer_questions(session, deps, questionnaire, response_id)
