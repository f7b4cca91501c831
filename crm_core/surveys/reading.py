"""Building response views: a few queries for any number of responses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.calls.models import CallRecord
from crm_core.members.models import Member
from crm_core.staff.models import User
from crm_core.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    SurveyAnswer,
    SurveyResponse,
)
from crm_core.surveys.repository import question_views
from crm_core.surveys.rules import ResolvedAnswer, answer_items, response_score
from crm_core.surveys.views import AnswerView, QuestionView, ResponseView


def _answer_views(
    questions: Sequence[QuestionView], rows: Sequence[SurveyAnswer]
) -> tuple[tuple[AnswerView, ...], list[int]]:
    """The answers in question order, and the response's score items."""
    by_question: dict[int, list[SurveyAnswer]] = defaultdict(list)
    for row in rows:
        by_question[row.question_id].append(row)
    views: list[AnswerView] = []
    items: list[int] = []
    for question in questions:
        given = by_question.get(question.id)
        if not given:
            continue
        chosen = {row.option_id for row in given if row.option_id is not None}
        options = tuple(option for option in question.options if option.id in chosen)
        resolved = ResolvedAnswer(
            question.id,
            option_ids=tuple(option.id for option in options),
            rating=given[0].rating,
            text=given[0].text,
        )
        items.extend(answer_items(question, resolved))
        views.append(
            AnswerView(
                question_id=question.id,
                position=question.position,
                kind=question.kind,
                options=options,
                rating=given[0].rating,
                text=given[0].text,
                answered_at=max(row.answered_at for row in given),
            )
        )
    return tuple(views), items


def response_views(session: Session, response_ids: Sequence[int]) -> list[ResponseView]:
    """Views of the responses with these ids, in the same order (unknown ids left out)."""
    if not response_ids:
        return []
    rows = session.execute(
        select(
            SurveyResponse,
            Questionnaire.code,
            QuestionnaireVersion.number,
            Member.number,
            CallRecord.linked_id,
            User.login,
        )
        .join(Questionnaire, Questionnaire.id == SurveyResponse.questionnaire_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == SurveyResponse.version_id)
        .outerjoin(Member, Member.id == SurveyResponse.member_id)
        .outerjoin(CallRecord, CallRecord.id == SurveyResponse.call_id)
        .outerjoin(User, User.id == SurveyResponse.agent_id)
        .where(SurveyResponse.id.in_(response_ids))
        .execution_options(populate_existing=True)
    ).all()
    answers: dict[int, list[SurveyAnswer]] = defaultdict(list)
    for answer in session.scalars(
        select(SurveyAnswer)
        .where(SurveyAnswer.response_id.in_(response_ids))
        .order_by(SurveyAnswer.id)
        .execution_options(populate_existing=True)
    ):
        answers[answer.response_id].append(answer)
    questions: dict[int, tuple[QuestionView, ...]] = {}
    views: dict[int, ResponseView] = {}
    for response, code, version, member_number, linked_id, login in rows:
        if response.version_id not in questions:
            questions[response.version_id] = question_views(session, response.version_id)
        answer_views, items = _answer_views(questions[response.version_id], answers[response.id])
        views[response.id] = ResponseView(
            id=response.id,
            questionnaire=code,
            version=version,
            channel=response.channel,
            member_number=member_number,
            call_id=response.call_id,
            call_linked_id=linked_id,
            pending_call_linked_id=response.call_linked_id if response.call_id is None else None,
            service_request_id=response.service_request_id,
            agent=login,
            queue=response.queue,
            started_at=response.started_at,
            completed_at=response.completed_at,
            answers=answer_views,
            score=response_score(items),
        )
    return [views[response_id] for response_id in response_ids if response_id in views]
