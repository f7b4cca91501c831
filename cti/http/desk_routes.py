"""Desk routes the console uses on the record: new members, service requests, points,
notes, the knowledge base, surveys and disposition codes — thin over the CRM services.

Every body is a strict model (unknown field → 400 naming it); a member or article that
does not exist is a 404 from the CRM service itself. The operator of every change is the
logged-in user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from crm_core.activities.schemas import ActivityView
from crm_core.calls.schemas import LINKED_ID, DispositionView
from crm_core.knowledge.schemas import ArticleView, SearchHit
from crm_core.loyalty.schemas import LedgerLine
from crm_core.members.schemas import MemberView
from crm_core.service_desk.views import RequestView
from crm_core.surveys.views import QuestionnaireView, ResponseView
from cti.http.agent_routes import QUEUE, _printable
from cti.http.auth import STAFF
from cti.http.errors import InvalidQueryError
from cti.http.parsing import json_body, query_params
from cti.http.routes import Caller, Route, Services
from cti.http.serialisers import Serialiser

MEMBER_NO = r"^[A-Za-z]-\d{8}$"
KEY = r"^[A-Za-z0-9._:-]{8,64}$"
#: One line of text: no CR, LF or other control characters (they would reach AMI or logs).
Line = Annotated[str, Field(min_length=1), AfterValidator(_printable)]
#: Asterisk's linked id of a call, live or already in the call log.
CallId = Annotated[Line, Field(max_length=64, pattern=LINKED_ID)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class NewMemberBody(_Body):
    """``{name, phones, email?, city?}``: a caller who is not yet a member."""

    name: Annotated[Line, Field(max_length=200)]
    phones: list[str] = Field(min_length=1, max_length=5)
    email: str | None = Field(None, max_length=200)
    city: Annotated[Line, Field(max_length=64)] | None = None


class _PointsBody(_Body):
    points: int = Field(gt=0, le=1_000_000)
    idempotency_key: str = Field(pattern=KEY)


class GrantBody(_PointsBody):
    """``{points, reason, idempotency_key}``: points given by the agent (赠送)."""

    reason: Annotated[Line, Field(max_length=200)]


class RedeemBody(_PointsBody):
    """``{points, item, idempotency_key}``: valid points spent on ``item`` (兑换)."""

    item: Annotated[Line, Field(max_length=200)]


class NoteBody(_Body):
    """``{text, call_id?}``: a note on the member, tied to the call (live or logged)."""

    text: str = Field(min_length=1, max_length=4000)
    call_id: CallId | None = None


class ServiceRequestBody(_Body):
    """``{subject, request_type, member_number, description?, contact_phone?, call_id?}``."""

    subject: Annotated[Line, Field(max_length=200)]
    request_type: Literal["repair", "enquiry", "complaint", "suggestion", "exchange"]
    member_number: str = Field(pattern=MEMBER_NO)
    description: str | None = Field(None, max_length=4000)
    contact_phone: Annotated[Line, Field(max_length=32)] | None = None
    queue: str | None = Field(None, pattern=QUEUE)
    call_id: CallId | None = None


class AnswerBody(_Body):
    """One answer: chosen option ids, a rating or a text."""

    question_id: int = Field(ge=1)
    option_ids: list[int] | None = Field(None, min_length=1, max_length=20)
    rating: int | None = None
    text: str | None = Field(None, min_length=1, max_length=2000)


class SurveyBody(_Body):
    """``{questionnaire, member_number?, call_id?, answers}``: a survey run with the caller."""

    questionnaire: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    member_number: str | None = Field(None, pattern=MEMBER_NO)
    call_id: CallId | None = None
    answers: list[AnswerBody] = Field(min_length=1, max_length=100)


class KbQuery(_Body):
    """``?q=…&limit=…``: words to look for in approved articles."""

    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(10, ge=1, le=50)


class DispositionQuery(_Body):
    """``?queue=…``: the codes for a call of that queue (all global codes without it)."""

    queue: str | None = Field(None, pattern=QUEUE)


@dataclass(frozen=True)
class PointsResult:
    """A points change and the balance after it."""

    member_number: str
    points: int
    valid: int
    cumulative: int


@dataclass(frozen=True)
class Ledger:
    """A member's points ledger, newest first."""

    lines: list[LedgerLine]


@dataclass(frozen=True)
class KbHits:
    """Knowledge-base matches, best first."""

    hits: list[SearchHit]


@dataclass(frozen=True)
class Dispositions:
    """Disposition codes an agent may pick."""

    codes: list[DispositionView]


MEMBER = Serialiser(MemberView, "Member")
POINTS_RESULT = Serialiser(PointsResult, "PointsResult")
LEDGER = Serialiser(Ledger, "Ledger")
ACTIVITY = Serialiser(ActivityView, "Activity")
REQUEST = Serialiser(RequestView, "ServiceRequest")
KB_HITS = Serialiser(KbHits, "KbHits")
ARTICLE = Serialiser(ArticleView, "KbArticle")
QUESTIONNAIRE = Serialiser(QuestionnaireView, "Questionnaire")
SURVEY_RESPONSE = Serialiser(ResponseView, "SurveyResponse")
DISPOSITIONS = Serialiser(Dispositions, "Dispositions")


def _member_no(caller: Caller) -> str:
    return caller.request.match_info["member_no"].upper()


async def new_member(services: Services, caller: Caller) -> MemberView:
    """Create a member from the new-member form of an unknown caller."""
    body = await json_body(caller.request, NewMemberBody)
    return await services.crm.members.create(
        body.model_dump(exclude_none=True), actor=caller.staff.login
    )


async def member_ledger(services: Services, caller: Caller) -> Ledger:
    """The member's points ledger (积分明细), newest first."""
    number = _member_no(caller)
    await services.crm.members.get(number)  # 404 for an unknown member
    return Ledger(await services.crm.reports.ledger(member_number=number, limit=200))


async def _change_points(
    services: Services, caller: Caller, body: GrantBody | RedeemBody
) -> PointsResult:
    """Post a grant or a redemption for the member of the path; the balance after."""
    number, login, key = _member_no(caller), caller.staff.login, body.idempotency_key
    points = services.crm.points
    if isinstance(body, GrantBody):
        posting = await points.gift(
            number, body.points, reason=body.reason, operator=login, idempotency_key=key
        )
    else:
        posting = await points.redeem(
            number, body.points, item=body.item, operator=login, idempotency_key=key
        )
    summary = await services.crm.points.summary(number)
    return PointsResult(number, posting.points, summary.valid, summary.cumulative)


async def grant_points(services: Services, caller: Caller) -> PointsResult:
    """Give points to the member; the balance after."""
    return await _change_points(services, caller, await json_body(caller.request, GrantBody))


async def redeem_points(services: Services, caller: Caller) -> PointsResult:
    """Spend the member's valid points; the balance after."""
    return await _change_points(services, caller, await json_body(caller.request, RedeemBody))


async def add_note(services: Services, caller: Caller) -> ActivityView:
    """A note on the member (an activity of kind note), tied to its call if one is given.

    A live call is not in the call log yet: the note keeps its id and is tied to the
    call's record when the call ends.
    """
    body = await json_body(caller.request, NoteBody)
    note = {
        "member_number": _member_no(caller),
        "kind": "note",
        "body": body.text,
        "call_linked_id": body.call_id,
        "channel": "phone" if body.call_id else None,
    }
    return await services.crm.activities.log(note, actor=caller.staff.login)


async def open_request(services: Services, caller: Caller) -> RequestView:
    """Open a service request (prefilled by the console from the call, live or logged)."""
    body = await json_body(caller.request, ServiceRequestBody)
    data: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"call_id"})
    data["call_linked_id"] = body.call_id
    return await services.crm.service_desk.requests.open(data, actor=caller.staff.login)


async def kb_search(services: Services, caller: Caller) -> KbHits:
    """Approved articles matching every word, best first."""
    query = query_params(caller.request, KbQuery)
    return KbHits(await services.crm.knowledge.search(query.q, limit=query.limit))


async def kb_article(services: Services, caller: Caller) -> ArticleView:
    """One approved article (counts a view)."""
    raw = caller.request.match_info["article_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidQueryError("article_id: not a number", field="article_id")
    return await services.crm.knowledge.get(int(raw), count_view=True)


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


async def dispositions(services: Services, caller: Caller) -> Dispositions:
    """The disposition codes for a call of the queue."""
    query = query_params(caller.request, DispositionQuery)
    return Dispositions(await services.crm.dispositions.for_queue(query.queue))


BAD = (400, 422)
DESK_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/members", new_member, "Create a member (new caller)", roles=STAFF,
          body=NewMemberBody, response=MEMBER, errors=(*BAD, 409)),
    Route("GET", "/api/members/{member_no}/ledger", member_ledger, "A member's points ledger",
          roles=STAFF, response=LEDGER, errors=(404,)),
    Route("POST", "/api/members/{member_no}/points/grant", grant_points,
          "Give points; the balance after", roles=STAFF, body=GrantBody,
          response=POINTS_RESULT, errors=(*BAD, 404, 409)),
    Route("POST", "/api/members/{member_no}/points/redeem", redeem_points,
          "Redeem valid points; the balance after", roles=STAFF, body=RedeemBody,
          response=POINTS_RESULT, errors=(*BAD, 404, 409)),
    Route("POST", "/api/members/{member_no}/notes", add_note, "Add a note to a member",
          roles=STAFF, body=NoteBody, response=ACTIVITY, errors=(*BAD, 404)),
    Route("POST", "/api/service-requests", open_request, "Open a service request",
          roles=STAFF, body=ServiceRequestBody, response=REQUEST, errors=(*BAD, 404)),
    Route("GET", "/api/kb/search", kb_search, "Search the knowledge base", roles=STAFF,
          query=KbQuery, response=KB_HITS, errors=BAD),
    Route("GET", "/api/kb/articles/{article_id}", kb_article, "A knowledge-base article",
          roles=STAFF, response=ARTICLE, errors=(400, 404)),
    Route("GET", "/api/surveys/{code}", questionnaire, "A published questionnaire",
          roles=STAFF, response=QUESTIONNAIRE, errors=(404,)),
    Route("POST", "/api/survey-responses", submit_survey, "Submit a survey run by the agent",
          roles=STAFF, body=SurveyBody, response=SURVEY_RESPONSE, errors=(*BAD, 404)),
    Route("GET", "/api/dispositions", dispositions, "Disposition codes for a queue",
          roles=STAFF, query=DispositionQuery, response=DISPOSITIONS, errors=BAD),
)  # fmt: skip

__all__ = ["DESK_ROUTES", "PointsResult"]
