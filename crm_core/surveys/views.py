"""What the survey services return: frozen data objects, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_core.surveys.models import QuestionKind, SurveyChannel, SurveyKind, VersionStatus


@dataclass(frozen=True)
class OptionView:
    """A choice of a question."""

    id: int
    position: int
    label: str
    label_en: str | None
    score: int | None
    keypad: int | None


@dataclass(frozen=True)
class QuestionView:
    """A question of one questionnaire version."""

    id: int
    position: int
    kind: QuestionKind
    text: str
    text_en: str | None
    required: bool
    rating_min: int | None
    rating_max: int | None
    options: tuple[OptionView, ...]

    def option(self, option_id: int) -> OptionView | None:
        """The option with that id, if it is one of this question's."""
        return next((o for o in self.options if o.id == option_id), None)

    def option_for_digit(self, digit: int) -> OptionView | None:
        """The option a caller picks with keypad ``digit``."""
        return next((o for o in self.options if o.keypad == digit), None)


@dataclass(frozen=True)
class QuestionnaireView:
    """A questionnaire as one version of it reads."""

    code: str
    title: str
    title_en: str | None
    kind: SurveyKind
    version: int
    status: VersionStatus
    created_at: datetime
    published_at: datetime | None
    questions: tuple[QuestionView, ...]

    def question(self, question_id: int) -> QuestionView | None:
        """The question with that id, if it is in this version."""
        return next((q for q in self.questions if q.id == question_id), None)

    def question_at(self, position: int) -> QuestionView:
        """The question at ``position`` (1-based)."""
        return self.questions[position - 1]


@dataclass(frozen=True)
class QuestionnaireSummary:
    """One line of the questionnaire list: its newest version and its responses."""

    code: str
    title: str
    kind: SurveyKind
    version: int
    status: VersionStatus
    responses: int


@dataclass(frozen=True)
class AnswerView:
    """The answer given to one question (the chosen options, the rating or the text)."""

    question_id: int
    position: int
    kind: QuestionKind
    options: tuple[OptionView, ...]
    rating: int | None
    text: str | None
    answered_at: datetime


@dataclass(frozen=True)
class ResponseView:
    """A survey response with its answers; ``score`` as :func:`rules.response_score` says.

    ``pending_call_linked_id`` names the live call it was given on until that call's
    record is written and ``call_id``/``call_linked_id`` are set.
    """

    id: int
    questionnaire: str
    version: int
    channel: SurveyChannel
    member_number: str | None
    call_id: int | None
    call_linked_id: str | None
    pending_call_linked_id: str | None
    service_request_id: int | None
    agent: str | None
    queue: str | None
    started_at: datetime
    completed_at: datetime | None
    answers: tuple[AnswerView, ...]
    score: Decimal | None

    @property
    def completed(self) -> bool:
        """Whether the response was completed (else it is partial)."""
        return self.completed_at is not None

    def answer_to(self, question_id: int) -> AnswerView | None:
        """The answer to a question, if it was answered."""
        return next((a for a in self.answers if a.question_id == question_id), None)


@dataclass(frozen=True)
class OptionCount:
    """How many responses chose an option."""

    option_id: int
    position: int
    label: str
    score: int | None
    count: int


@dataclass(frozen=True)
class RatingCount:
    """How many responses gave a rating value."""

    value: int
    count: int


@dataclass(frozen=True)
class QuestionDistribution:
    """The answers to one question: per option (choice) or per value (rating).

    ``answered`` counts responses that answered it; ``mean_score`` is the mean of the
    option scores (or rating values) given, unscored options left out.
    """

    question_id: int
    position: int
    kind: QuestionKind
    text: str
    answered: int
    options: tuple[OptionCount, ...]
    ratings: tuple[RatingCount, ...]
    mean_score: Decimal | None


@dataclass(frozen=True)
class VersionDistribution:
    """The distributions of one version's questions, over the responses it got."""

    version: int
    responses: int
    questions: tuple[QuestionDistribution, ...]


@dataclass(frozen=True)
class ScoreGroup:
    """The mean response score of one agent (``key`` = login) or one queue."""

    key: str | None
    name: str | None
    responses: int
    mean_score: Decimal


@dataclass(frozen=True)
class SurveyAnalysis:
    """A questionnaire's figures over ``[since, until)``; see :mod:`crm_core.surveys.analysis`."""

    questionnaire: str
    since: datetime
    until: datetime
    offered: int
    completed: int
    response_rate: Decimal | None
    answered_calls: int | None
    call_response_rate: Decimal | None
    mean_score: Decimal | None
    scored_responses: int
    versions: tuple[VersionDistribution, ...]
    by_agent: tuple[ScoreGroup, ...]
    by_queue: tuple[ScoreGroup, ...]
