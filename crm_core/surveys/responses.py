"""Survey responses: start, answer, complete (or submit at once), read.

Rules. A response starts on the questionnaire's published version and stays on that
version even if the questionnaire is edited meanwhile. A call has at most one response
per questionnaire. Every answer is checked against the response's own version: the
question must be in it, the options must be that question's. Answers are kept as they
come, so a caller who hangs up mid-survey leaves a partial response with the answers
given. Until completion, answering a question again replaces its earlier answer (a
caller pressing again, an agent correcting a slip); a completed response no longer
changes. Completing needs every required question answered; completing twice returns
the completed response unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.calls.links import lock_call
from crm_core.calls.models import CallRecord
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.models import Member
from crm_core.members.services import load_member
from crm_core.service_desk.models import ServiceRequest
from crm_core.staff.models import User
from crm_core.surveys.exceptions import (
    AgentNotFoundError,
    AlreadySurveyedError,
    IncompleteResponseError,
    InvalidAnswerError,
    ResponseClosedError,
    ResponseNotFoundError,
    SurveyNotOpenError,
    UnknownCallError,
)
from crm_core.surveys.models import SurveyAnswer, SurveyResponse, VersionStatus
from crm_core.surveys.reading import response_views
from crm_core.surveys.repository import (
    load_questionnaire,
    load_version,
    question_views,
    violates,
)
from crm_core.surveys.rules import ResolvedAnswer, missing_required, resolve_answer
from crm_core.surveys.schemas import AnswerInput, ResponseStart, ResponseSubmit
from crm_core.surveys.views import ResponseView
from crm_core.validation import parse

MAX_LIST = 500


def _agent_id(session: Session, login: str) -> int:
    agent_id = session.scalar(select(User.id).where(User.login == login))
    if agent_id is None:
        raise AgentNotFoundError(f"no agent {login!r}", agent=login)
    return agent_id


def _call(session: Session, request: ResponseStart) -> CallRecord | None:
    """The call record named, or ``None`` for none or a live call (linked when logged)."""
    if request.call_linked_id is not None:
        lock_call(session, request.call_linked_id)
        return session.scalars(
            select(CallRecord).where(CallRecord.linked_id == request.call_linked_id)
        ).one_or_none()
    if request.call_id is None:
        return None
    call = session.get(CallRecord, request.call_id)
    if call is None:
        raise UnknownCallError(
            "no such call", call_id=request.call_id, call_linked_id=request.call_linked_id
        )
    return call


def start_response(session: Session, request: ResponseStart, now: datetime) -> SurveyResponse:
    """Open a response in ``session``'s transaction (also for a domain that records it in a
    row of its own in the same transaction: a campaign attempt's keypad survey)."""
    questionnaire = load_questionnaire(session, request.questionnaire)
    version = load_version(session, questionnaire, shared=True)
    if version.status is not VersionStatus.PUBLISHED:
        raise SurveyNotOpenError(
            f"questionnaire {questionnaire.code!r} is not published",
            questionnaire=questionnaire.code,
        )
    member_id = load_member(session, request.member_number).id if request.member_number else None
    agent_id = _agent_id(session, request.agent) if request.agent else None
    if request.service_request_id is not None and (
        session.get(ServiceRequest, request.service_request_id) is None
    ):
        raise NotFoundError(
            f"no service request {request.service_request_id}",
            service_request_id=request.service_request_id,
        )
    queue = request.queue
    call = _call(session, request)
    if call is not None:
        taken = session.scalar(
            select(SurveyResponse.id).where(
                SurveyResponse.questionnaire_id == questionnaire.id,
                SurveyResponse.call_id == call.id,
            )
        )
        if taken is not None:
            raise AlreadySurveyedError(
                f"call {call.linked_id} already has a response to {questionnaire.code!r}",
                call_linked_id=call.linked_id,
                response_id=taken,
            )
        member_id = member_id if member_id is not None else call.member_id
        agent_id = agent_id if agent_id is not None else call.agent_id
        queue = queue if queue is not None else call.queue
    response = SurveyResponse(
        questionnaire_id=questionnaire.id,
        version_id=version.id,
        channel=request.channel,
        member_id=member_id,
        call_id=call.id if call is not None else None,
        call_linked_id=call.linked_id if call is not None else request.call_linked_id,
        service_request_id=request.service_request_id,
        agent_id=agent_id,
        queue=queue,
        started_at=now,
    )
    session.add(response)
    session.flush()
    return response


def _load(session: Session, response_id: int) -> SurveyResponse:
    response = session.scalars(
        select(SurveyResponse).where(SurveyResponse.id == response_id).with_for_update()
    ).one_or_none()
    if response is None:
        raise ResponseNotFoundError(f"no survey response {response_id}", response_id=response_id)
    if response.completed_at is not None:
        raise ResponseClosedError(
            f"survey response {response_id} is completed", response_id=response_id
        )
    return response


def _answer(
    session: Session, response: SurveyResponse, answers: Sequence[AnswerInput], now: datetime
) -> None:
    questions = {question.id: question for question in question_views(session, response.version_id)}
    resolved: list[ResolvedAnswer] = []
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None:
            raise InvalidAnswerError(
                f"question {answer.question_id} is not in this survey",
                question_id=answer.question_id,
                response_id=response.id,
            )
        if any(earlier.question_id == question.id for earlier in resolved):
            raise InvalidAnswerError(
                f"question {question.position} is answered twice",
                question_id=question.id,
            )
        resolved.append(resolve_answer(question, answer))
    for item in resolved:
        session.execute(
            delete(SurveyAnswer)
            .where(
                SurveyAnswer.response_id == response.id,
                SurveyAnswer.question_id == item.question_id,
            )
            .execution_options(synchronize_session=False)
        )
        rows = [
            SurveyAnswer(option_id=option_id, rating=None, text=None)
            for option_id in item.option_ids
        ] or [SurveyAnswer(option_id=None, rating=item.rating, text=item.text)]
        for row in rows:
            row.response_id, row.question_id, row.answered_at = response.id, item.question_id, now
            session.add(row)
    session.flush()


def _complete(session: Session, response: SurveyResponse, now: datetime) -> None:
    answered = session.scalars(
        select(SurveyAnswer.question_id).where(SurveyAnswer.response_id == response.id)
    ).all()
    missing = missing_required(question_views(session, response.version_id), answered)
    if missing:
        listed = ", ".join(str(position) for position in missing)
        raise IncompleteResponseError(
            f"required questions unanswered: {listed}", response_id=response.id, missing=missing
        )
    response.completed_at = max(now, response.started_at)
    session.flush()


def _view(session: Session, response: SurveyResponse) -> ResponseView:
    return response_views(session, [response.id])[0]


AnswerData = AnswerInput | Mapping[str, Any]


def _answers(answers: AnswerData | Sequence[AnswerData]) -> list[AnswerInput]:
    if isinstance(answers, Mapping | AnswerInput):
        return [parse(AnswerInput, answers)]
    return [parse(AnswerInput, answer) for answer in answers]


class ResponseService:
    """Filling questionnaires in: by agents, by callers in the IVR, by link."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def _write_new(
        self, request: ResponseStart, work: Callable[[Session], ResponseView]
    ) -> ResponseView:
        try:
            return await self._db.run_write(work)
        except IntegrityError as error:  # the same call surveyed at the same moment elsewhere
            if not violates(
                error,
                "uq_survey_responses_call",
                "survey_responses.questionnaire_id, survey_responses.call_id",
            ):
                raise
            raise AlreadySurveyedError(
                "the call already has a response to this questionnaire",
                call_id=request.call_id,
                call_linked_id=request.call_linked_id,
            ) from None

    async def start(self, data: ResponseStart | Mapping[str, Any]) -> ResponseView:
        """Open a response on the questionnaire's published version."""
        request = parse(ResponseStart, data)
        return await self._write_new(
            request, lambda session: _view(session, start_response(session, request, self.clock()))
        )

    async def answer(
        self,
        response_id: int,
        answers: AnswerData | Sequence[AnswerData],
    ) -> ResponseView:
        """Record answers (one or several) to an open response; all or none are kept."""
        checked = _answers(answers)
        if not checked:
            raise InvalidInputError("no answers given", response_id=response_id)

        def work(session: Session) -> ResponseView:
            response = _load(session, response_id)
            _answer(session, response, checked, self.clock())
            return _view(session, response)

        return await self._db.run_write(work)

    async def complete(self, response_id: int) -> ResponseView:
        """Close a response; every required question must be answered."""

        def work(session: Session) -> ResponseView:
            try:
                response = _load(session, response_id)
            except ResponseClosedError:
                return response_views(session, [response_id])[0]
            _complete(session, response, self.clock())
            return _view(session, response)

        return await self._db.run_write(work)

    async def submit(self, data: ResponseSubmit | Mapping[str, Any]) -> ResponseView:
        """Start, answer and complete a response in one go: all of it is stored, or nothing."""
        request = parse(ResponseSubmit, data)

        def work(session: Session) -> ResponseView:
            now = self.clock()
            response = start_response(session, request, now)
            _answer(session, response, request.answers, now)
            _complete(session, response, now)
            return _view(session, response)

        return await self._write_new(request, work)

    async def get(self, response_id: int) -> ResponseView:
        """One response with its answers and score."""
        async with self._db.read() as session:
            views = await session.run_sync(response_views, [response_id])
        if not views:
            raise ResponseNotFoundError(
                f"no survey response {response_id}", response_id=response_id
            )
        return views[0]

    async def of_member(self, member_number: str, *, limit: int = 50) -> list[ResponseView]:
        """A member's responses, newest first (the 360° view's "submitted surveys")."""
        if not 1 <= limit <= MAX_LIST:
            raise InvalidInputError(f"limit must be 1 to {MAX_LIST}", limit=limit)
        async with self._db.read() as session:
            member_id = await session.scalar(
                select(Member.id).where(Member.number == member_number)
            )
            if member_id is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            ids = (
                await session.scalars(
                    select(SurveyResponse.id)
                    .where(SurveyResponse.member_id == member_id)
                    .order_by(SurveyResponse.started_at.desc(), SurveyResponse.id.desc())
                    .limit(limit)
                )
            ).all()
            return await session.run_sync(response_views, list(ids))

    async def last_completed(self, member_number: str) -> ResponseView | None:
        """The member's latest completed response (the screen pop's "last survey score")."""
        async with self._db.read() as session:
            response_id = await session.scalar(
                select(SurveyResponse.id)
                .join(Member, Member.id == SurveyResponse.member_id)
                .where(Member.number == member_number, SurveyResponse.completed_at.is_not(None))
                .order_by(SurveyResponse.completed_at.desc(), SurveyResponse.id.desc())
                .limit(1)
            )
            if response_id is None:
                return None
            return (await session.run_sync(response_views, [response_id]))[0]
