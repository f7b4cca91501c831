"""Tables of surveys: questionnaires, their versions, questions, options, responses, answers.

A questionnaire's questions live in a version. Only the newest version may be draft or
published; older ones are retired. A version that has responses is never changed again:
editing it makes the next version (see :mod:`crm_core.surveys.services`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime, string_enum, utcnow


class SurveyKind(enum.StrEnum):
    """What a questionnaire is for (问卷类型)."""

    MARKET_RESEARCH = "market_research"
    SERVICE_FOLLOW_UP = "service_follow_up"
    PHONE_SURVEY = "phone_survey"


class VersionStatus(enum.StrEnum):
    """A version is drafted, then published (answerable), then retired."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class QuestionKind(enum.StrEnum):
    """How a question is answered."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"
    TEXT = "text"


class SurveyChannel(enum.StrEnum):
    """Who filled a response in: an agent on the phone, the caller in the IVR, or by link."""

    AGENT = "agent"
    IVR = "ivr"
    LINK = "link"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return string_enum(cls, name, length=24)


class Questionnaire(Base):
    """A questionnaire (问卷) named by a stable code, e.g. ``phone-service-evaluation``."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[SurveyKind] = mapped_column(_enum(SurveyKind, "survey_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionnaireVersion(Base):
    """One numbered version of a questionnaire's questions."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number", name="uq_questionnaire_versions_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus, "survey_version_status"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        order_by="SurveyQuestion.position", passive_deletes=True
    )


class SurveyQuestion(Base):
    """A question of one version; ``rating_min``/``rating_max`` only for rating questions."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("version_id", "position", name="uq_survey_questions_position"),
        CheckConstraint(
            "kind <> 'rating' OR (rating_min IS NOT NULL AND rating_max IS NOT NULL"
            " AND rating_min < rating_max)",
            name="rating_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "survey_question_kind"))
    text: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str | None] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    rating_min: Mapped[int | None] = mapped_column(Integer)
    rating_max: Mapped[int | None] = mapped_column(Integer)

    options: Mapped[list[SurveyOption]] = relationship(
        order_by="SurveyOption.position", passive_deletes=True
    )


class SurveyOption(Base):
    """A choice of a single- or multiple-choice question, with its score and keypad digit."""

    __tablename__ = "survey_options"
    __table_args__ = (
        UniqueConstraint("question_id", "position", name="uq_survey_options_position"),
        UniqueConstraint("question_id", "keypad", name="uq_survey_options_keypad"),
        CheckConstraint("keypad BETWEEN 1 AND 9", name="keypad_digit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[int | None] = mapped_column(Integer)
    keypad: Mapped[int | None] = mapped_column(Integer)


class SurveyResponse(Base):
    """One filling-in of a questionnaire version; ``completed_at`` is empty while partial.

    ``questionnaire_id`` repeats the version's questionnaire so a call is surveyed at
    most once per questionnaire, whichever version it met.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "call_id", name="uq_survey_responses_call"),
        Index("ix_survey_responses_questionnaire_started", "questionnaire_id", "started_at"),
        Index("ix_survey_responses_agent_started", "agent_id", "started_at"),
        Index("ix_survey_responses_member_started", "member_id", "started_at"),
        Index("ix_survey_responses_version", "version_id"),
        CheckConstraint(
            "completed_at IS NULL OR completed_at >= started_at", name="completed_after_start"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    channel: Mapped[SurveyChannel] = mapped_column(_enum(SurveyChannel, "survey_channel"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call_records.id"))
    #: The linked id of the call it was given on, pending until the call's record exists.
    call_linked_id: Mapped[str | None] = mapped_column(String(64), index=True)
    service_request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    queue: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyAnswer(Base):
    """One answer: an option (one row per chosen option), a rating value or a text."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_response_question", "response_id", "question_id"),
        UniqueConstraint(
            "response_id", "question_id", "option_id", name="uq_survey_answers_option"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("survey_options.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
