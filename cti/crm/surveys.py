"""Survey routes: a published questionnaire, and a survey the agent runs with the caller."""

from __future__ import annotations

from pydantic import Field

from crm_core.surveys.views import QuestionnaireView, ResponseView
from cti.crm.common import MEMBER_NO, CallId
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import RequestBody
from cti.http.serialisers import Serialiser


class AnswerBody(RequestBody):
    """One answer: chosen option ids, a rating or a text."""

    question_id: int = Field(ge=1)
    option_ids: list[int] | None = Field(None, min_length=1, max_length=20)
    rating: int | None = None
    text: str | None = Field(None, min_length=1, max_length=2000)


class SurveyBody(RequestBody):
    """``{questionnaire, member_number?, call_id?, answers}``: a survey run with the caller."""

    questionnaire: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    member_number: str | None = Field(None, pattern=MEMBER_NO)
    call_id: CallId | None = None
    answers: list[AnswerBody] = Field(min_length=1, max_length=100)


QUESTIONNAIRE = Serialiser(QuestionnaireView, "Questionnaire")
SURVEY_RESPONSE = Serialiser(ResponseView, "SurveyResponse")


async def questionnaire(services: Services, caller: Caller) -> QuestionnaireView:
    """The published version of a questionnaire, to run with the caller."""
    return await services.crm.questionnaires.published(caller.request.match_info["code"])


async def submit_survey(services: Services, caller: Caller) -> ResponseView:
    """A survey answered by the caller through the agent."""
    body = await json_body(caller.request, SurveyBody)
    return await services.crm.survey_responses.submit(
        {"questionnaire": body.questionnaire, "channel": "agent",
         "member_number": body.member_number, "call_linked_id": body.call_id,
         "agent": caller.staff.login,
         "answers": [answer.model_dump(exclude_none=True) for answer in body.answers]}
    )  # fmt: skip


SURVEY_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/surveys/{code}", questionnaire, "A published questionnaire",
          roles=STAFF, response=QUESTIONNAIRE, errors=(404,)),
    Route("POST", "/api/survey-responses", submit_survey, "Submit a survey run by the agent",
          roles=STAFF, body=SurveyBody, response=SURVEY_RESPONSE, errors=(*BAD, 404)),
)  # fmt: skip

__all__ = ["SURVEY_ROUTES", "AnswerBody", "SurveyBody"]
