"""Survey analysis over a period: response rate, per-question distribution, mean scores.

Definitions (the period is ``[since, until)`` on the responses' start time):

- *offered*: responses started in the period, whatever the channel — a survey is
  offered when a response is opened for it (the agent starts it, the IVR plays it, a
  link is opened). *completed*: those of them completed. ``response_rate`` =
  completed ÷ offered.
- For phone surveys also ``answered_calls``: calls answered in the period (from the
  call log), and ``call_response_rate`` = completed ÷ answered calls — how much of the
  traffic ends with a survey.
- Distributions count every answer given, partial responses included (a caller who
  hung up after question 3 still answered questions 1–3). They are per version, since
  versions may differ in their questions.
- Scores count completed responses only; a response's score and the means follow
  :mod:`crm_core.surveys.rules` (mean of option scores and rating values; each
  response weighs the same in a group's mean).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from fractions import Fraction

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from crm_core.calls.models import CallRecord
from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.staff.models import User
from crm_core.surveys.models import (
    QuestionnaireVersion,
    SurveyAnswer,
    SurveyKind,
    SurveyOption,
    SurveyResponse,
)
from crm_core.surveys.repository import load_questionnaire, question_views
from crm_core.surveys.rules import mean, rate, rounded
from crm_core.surveys.views import (
    OptionCount,
    QuestionDistribution,
    QuestionView,
    RatingCount,
    ScoreGroup,
    SurveyAnalysis,
    VersionDistribution,
)

Counts = dict[tuple[int, int], int]


class _Tally:
    """Answer counts of the period, keyed by (question id, option id or rating value)."""

    def __init__(self, session: Session, in_period: list[ColumnElement[bool]]) -> None:
        answers = select(SurveyAnswer.question_id).join(
            SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id
        )
        self.options: Counts = {
            (question_id, option_id): count
            for question_id, option_id, count in session.execute(
                answers.add_columns(SurveyAnswer.option_id, func.count())
                .where(*in_period, SurveyAnswer.option_id.is_not(None))
                .group_by(SurveyAnswer.question_id, SurveyAnswer.option_id)
            )
        }
        self.ratings: Counts = {
            (question_id, rating): count
            for question_id, rating, count in session.execute(
                answers.add_columns(SurveyAnswer.rating, func.count())
                .where(*in_period, SurveyAnswer.rating.is_not(None))
                .group_by(SurveyAnswer.question_id, SurveyAnswer.rating)
            )
        }
        self.answered: dict[int, int] = {
            question_id: count
            for question_id, count in session.execute(
                answers.add_columns(func.count(distinct(SurveyAnswer.response_id)))
                .where(*in_period)
                .group_by(SurveyAnswer.question_id)
            )
        }

    def question(self, question: QuestionView) -> QuestionDistribution:
        options = tuple(
            OptionCount(
                option_id=option.id,
                position=option.position,
                label=option.label,
                score=option.score,
                count=self.options.get((question.id, option.id), 0),
            )
            for option in question.options
        )
        ratings = tuple(
            RatingCount(value, count)
            for (question_id, value), count in sorted(self.ratings.items())
            if question_id == question.id
        )
        scored = [(o.score, o.count) for o in options if o.score is not None] + [
            (r.value, r.count) for r in ratings
        ]
        given = sum(count for _, count in scored)
        mean_score = Fraction(sum(s * c for s, c in scored), given) if given else None
        return QuestionDistribution(
            question_id=question.id,
            position=question.position,
            kind=question.kind,
            text=question.text,
            answered=self.answered.get(question.id, 0),
            options=options,
            ratings=ratings,
            mean_score=rounded(mean_score),
        )


def _groups(
    scores: dict[str | None, list[Fraction]], names: dict[str, str]
) -> tuple[ScoreGroup, ...]:
    groups = []
    for key in sorted(scores, key=lambda k: (k is None, k or "")):
        value = rounded(mean(scores[key]))
        assert value is not None  # a group has at least one response
        groups.append(
            ScoreGroup(
                key=key,
                name=names.get(key) if key is not None else None,
                responses=len(scores[key]),
                mean_score=value,
            )
        )
    return tuple(groups)


def _analyse(session: Session, code: str, since: datetime, until: datetime) -> SurveyAnalysis:
    questionnaire = load_questionnaire(session, code)
    in_period: list[ColumnElement[bool]] = [
        SurveyResponse.questionnaire_id == questionnaire.id,
        SurveyResponse.started_at >= since,
        SurveyResponse.started_at < until,
    ]
    offered, completed = session.execute(
        select(func.count(), func.count(SurveyResponse.completed_at)).where(*in_period)
    ).one()
    answered_calls = None
    if questionnaire.kind is SurveyKind.PHONE_SURVEY:
        answered_calls = session.scalar(
            select(func.count())
            .select_from(CallRecord)
            .where(CallRecord.answered_at >= since, CallRecord.answered_at < until)
        )
    tally = _Tally(session, in_period)
    versions = tuple(
        VersionDistribution(
            version=number,
            responses=count,
            questions=tuple(tally.question(q) for q in question_views(session, version_id)),
        )
        for version_id, number, count in session.execute(
            select(SurveyResponse.version_id, QuestionnaireVersion.number, func.count())
            .join(QuestionnaireVersion, QuestionnaireVersion.id == SurveyResponse.version_id)
            .where(*in_period)
            .group_by(SurveyResponse.version_id, QuestionnaireVersion.number)
            .order_by(QuestionnaireVersion.number)
        )
    )
    item = func.coalesce(SurveyOption.score, SurveyAnswer.rating)
    by_agent: dict[str | None, list[Fraction]] = defaultdict(list)
    by_queue: dict[str | None, list[Fraction]] = defaultdict(list)
    names: dict[str, str] = {}
    every: list[Fraction] = []
    for login, name, queue, total, items in session.execute(
        select(
            User.login, User.display_name, SurveyResponse.queue, func.sum(item), func.count(item)
        )
        .select_from(SurveyResponse)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .outerjoin(SurveyOption, SurveyOption.id == SurveyAnswer.option_id)
        .outerjoin(User, User.id == SurveyResponse.agent_id)
        .where(*in_period, SurveyResponse.completed_at.is_not(None))
        .group_by(SurveyResponse.id, User.login, User.display_name, SurveyResponse.queue)
    ):
        if not items:
            continue
        score = Fraction(int(total), int(items))
        every.append(score)
        by_agent[login].append(score)
        by_queue[queue].append(score)
        if login is not None:
            names[login] = name
    return SurveyAnalysis(
        questionnaire=questionnaire.code,
        since=since,
        until=until,
        offered=offered,
        completed=completed,
        response_rate=rate(completed, offered),
        answered_calls=answered_calls,
        call_response_rate=rate(completed, answered_calls) if answered_calls else None,
        mean_score=rounded(mean(every)),
        scored_responses=len(every),
        versions=versions,
        by_agent=_groups(by_agent, names),
        by_queue=_groups(by_queue, {}),
    )


class SurveyReports:
    """Read-only figures about a questionnaire's responses."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def analyse(self, code: str, *, since: datetime, until: datetime) -> SurveyAnalysis:
        """Response rate, distributions and mean scores of ``code`` over ``[since, until)``."""
        if since.tzinfo is None or until.tzinfo is None:
            raise InvalidInputError(
                "since and until must be timezone-aware", since=str(since), until=str(until)
            )
        if since >= until:
            raise InvalidInputError(
                "since must be before until", since=since.isoformat(), until=until.isoformat()
            )
        async with self._db.read() as session:
            return await session.run_sync(_analyse, code, since, until)
