"""Loading and storing questionnaires inside a unit of work (sync ``Session`` functions)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm_core.surveys.exceptions import QuestionnaireNotFoundError
from crm_core.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    SurveyOption,
    SurveyQuestion,
)
from crm_core.surveys.rules import keypad_digits
from crm_core.surveys.schemas import QuestionInput
from crm_core.surveys.views import OptionView, QuestionnaireView, QuestionView


def load_questionnaire(session: Session, code: str, *, lock: bool = False) -> Questionnaire:
    """The questionnaire with ``code`` (row-locked if asked), or a not-found error."""
    query = select(Questionnaire).where(Questionnaire.code == code)
    if lock:
        query = query.with_for_update()
    questionnaire = session.scalars(query).one_or_none()
    if questionnaire is None:
        raise QuestionnaireNotFoundError(f"no questionnaire {code!r}", questionnaire=code)
    return questionnaire


def load_version(
    session: Session,
    questionnaire: Questionnaire,
    number: int | None = None,
    *,
    lock: bool = False,
    shared: bool = False,
) -> QuestionnaireVersion:
    """Version ``number`` of a questionnaire (the newest when None), optionally locked.

    ``shared`` takes a share lock (PostgreSQL ``FOR SHARE``): many responses may start
    on a version at once, while an edit, which locks it for update, waits for them.
    """
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id
    )
    if number is None:
        query = query.order_by(QuestionnaireVersion.number.desc()).limit(1)
    else:
        query = query.where(QuestionnaireVersion.number == number)
    if lock or shared:
        query = query.with_for_update(read=shared and not lock)
    version = session.scalars(query).first()
    if version is None:
        raise QuestionnaireNotFoundError(
            f"questionnaire {questionnaire.code!r} has no version {number}",
            questionnaire=questionnaire.code,
            version=number,
        )
    return version


def question_views(session: Session, version_id: int) -> tuple[QuestionView, ...]:
    """The questions of a version with their options, in order."""
    questions = session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.version_id == version_id)
        .options(selectinload(SurveyQuestion.options))
        .order_by(SurveyQuestion.position)
        .execution_options(populate_existing=True)
    ).all()
    return tuple(
        QuestionView(
            id=question.id,
            position=question.position,
            kind=question.kind,
            text=question.text,
            text_en=question.text_en,
            required=question.required,
            rating_min=question.rating_min,
            rating_max=question.rating_max,
            options=tuple(
                OptionView(
                    id=option.id,
                    position=option.position,
                    label=option.label,
                    label_en=option.label_en,
                    score=option.score,
                    keypad=option.keypad,
                )
                for option in question.options
            ),
        )
        for question in questions
    )


def questionnaire_view(
    session: Session, questionnaire: Questionnaire, version: QuestionnaireVersion
) -> QuestionnaireView:
    """One version of a questionnaire as a view."""
    return QuestionnaireView(
        code=questionnaire.code,
        title=questionnaire.title,
        title_en=questionnaire.title_en,
        kind=questionnaire.kind,
        version=version.number,
        status=version.status,
        created_at=version.created_at,
        published_at=version.published_at,
        questions=question_views(session, version.id),
    )


def add_questions(session: Session, version_id: int, questions: Sequence[QuestionInput]) -> None:
    """Store ``questions`` (already checked by the rules) under a version."""
    for position, question in enumerate(questions, start=1):
        digits = keypad_digits(question.options)
        session.add(
            SurveyQuestion(
                version_id=version_id,
                position=position,
                kind=question.kind,
                text=question.text,
                text_en=question.text_en,
                required=question.required,
                rating_min=question.rating_min,
                rating_max=question.rating_max,
                options=[
                    SurveyOption(
                        position=index,
                        label=option.label,
                        label_en=option.label_en,
                        score=option.score,
                        keypad=digit,
                    )
                    for index, (option, digit) in enumerate(
                        zip(question.options, digits, strict=True), start=1
                    )
                ],
            )
        )
    session.flush()


def remove_questions(session: Session, version_id: int) -> None:
    """Delete a version's questions and their options (only for a version without answers)."""
    question_ids = select(SurveyQuestion.id).where(SurveyQuestion.version_id == version_id)
    session.execute(
        delete(SurveyOption)
        .where(SurveyOption.question_id.in_(question_ids))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(SurveyQuestion)
        .where(SurveyQuestion.version_id == version_id)
        .execution_options(synchronize_session=False)
    )


def violates(error: IntegrityError, constraint: str, sqlite_columns: str) -> bool:
    """Whether ``error`` is the unique ``constraint`` failing (PostgreSQL names it,
    SQLite lists its columns as ``table.column, …``)."""
    message = str(error.orig)
    return constraint in message or sqlite_columns in message
