"""An IVR message campaign's keypad survey: which questionnaire a campaign may name, the
response opened for a dial attempt and tied to it (and to the lead's member), at most one
per attempt, and the campaign's survey figures."""

from __future__ import annotations

from typing import Any

import pytest

from crm_core.campaigns.exceptions import CampaignNotFoundError, InvalidCampaignError
from crm_core.surveys.exceptions import AlreadySurveyedError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.campaigns import (
    KEYPAD_SURVEY,
    campaign_spec,
    keypad_survey,
    phones_csv,
    start_campaign,
)
from tests.support.crm import new_member, snapshot

IVR = {"name": "expiring", "mode": "ivr_message", "message": "points-expiring"}


async def test_an_ivr_message_campaign_stores_its_survey(any_crm: Crm) -> None:
    await keypad_survey(any_crm)
    created = await any_crm.campaigns.create(campaign_spec(**IVR, survey=KEYPAD_SURVEY), "sup1")
    assert created.survey == KEYPAD_SURVEY
    assert (await any_crm.campaigns.get(created.id)).survey == KEYPAD_SURVEY


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "progressive"}, "only an IVR message campaign runs a keypad survey"),
        ({"survey": "no-such-survey"}, "no questionnaire 'no-such-survey'"),
        ({"survey": "draft-survey"}, "is not published"),
        ({"survey": "typed-answers"}, "no question of 'typed-answers' can be answered by keypad"),
    ],
)
async def test_a_survey_a_callee_cannot_answer_is_refused(
    any_crm: Crm, changes: dict[str, Any], message: str
) -> None:
    await keypad_survey(any_crm)
    await keypad_survey(any_crm, code="draft-survey", publish=False)
    await any_crm.questionnaires.create(
        {"code": "typed-answers", "title": "Comments", "kind": "phone_survey",
         "questions": [{"kind": "text", "text": "Anything else?"}]},
        actor="sup1", publish=True,
    )  # fmt: skip
    before = await snapshot(any_crm.db)
    spec = campaign_spec(**{**IVR, "survey": KEYPAD_SURVEY, **changes})
    with pytest.raises(InvalidCampaignError) as caught:
        await any_crm.campaigns.create(spec, "sup1")
    assert caught.value.details["field"] == "survey"
    assert message in caught.value.message
    assert await snapshot(any_crm.db) == before


async def test_a_callee_s_survey_is_tied_to_the_attempt_and_the_lead_s_member_once(
    any_crm: Crm, clock: Clock
) -> None:
    await keypad_survey(any_crm)
    member = await new_member(any_crm, "王芳", "13800000001")
    running = await start_campaign(any_crm, clock, **IVR, survey=KEYPAD_SURVEY)
    await any_crm.campaigns.import_csv(
        running.id, phones_csv("13800000001", "13800000002"), default_region="CN"
    )
    member_call = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    stranger_call = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert member_call is not None and stranger_call is not None

    response_id = await any_crm.campaigns.start_survey(member_call.attempt_id)
    assert response_id is not None
    response = await any_crm.survey_responses.get(response_id)
    assert (response.questionnaire, response.channel, response.member_number) == (
        KEYPAD_SURVEY, "ivr", member
    )  # fmt: skip
    attempt = await any_crm.campaigns.attempt(member_call.attempt_id)
    assert attempt.survey_response_id == response_id
    with pytest.raises(AlreadySurveyedError):
        await any_crm.campaigns.start_survey(member_call.attempt_id)

    stranger = await any_crm.campaigns.start_survey(stranger_call.attempt_id)
    assert stranger is not None
    assert (await any_crm.survey_responses.get(stranger)).member_number is None
    questions = (await any_crm.questionnaires.get(KEYPAD_SURVEY)).questions
    await any_crm.survey_responses.answer(
        stranger,
        [{"question_id": questions[0].id, "rating": 4},
         {"question_id": questions[1].id, "keypad": "1"}],
    )  # fmt: skip
    await any_crm.survey_responses.complete(stranger)
    figures = await any_crm.campaigns.counters(running.id)
    assert (figures.surveys_started, figures.surveys_completed) == (2, 1)


async def test_a_campaign_without_a_survey_opens_none(any_crm: Crm, clock: Clock) -> None:
    running = await start_campaign(any_crm, clock, **IVR)
    await any_crm.campaigns.import_csv(running.id, phones_csv("13800000001"), default_region="CN")
    claim = await any_crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    assert await any_crm.campaigns.start_survey(claim.attempt_id) is None
    with pytest.raises(CampaignNotFoundError):
        await any_crm.campaigns.start_survey("0" * 32)
