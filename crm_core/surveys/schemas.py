"""What the survey services take: validated input models (unknown fields are errors).

Checks that need a whole question (options only on choice questions, a range only on
rating questions, distinct keypad digits) are in :mod:`crm_core.surveys.rules`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from crm_core.surveys.models import QuestionKind, SurveyChannel, SurveyKind

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_BUT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
QUESTIONNAIRE_CODE = r"^[a-z0-9][a-z0-9-]{1,63}$"
LINKED_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
QUEUE = r"^[\w.-]{1,64}$"
LOGIN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
MEMBER_NUMBER = r"^[A-Z]-\d{8}$"
KEYPAD = r"^[0-9]{1,9}$"
MAX_QUESTIONS = 50
MAX_OPTIONS = 9  # one keypad digit each
MAX_SCORE = 1000
MAX_RATING = 100


def _single_line(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("control characters (CR, LF, tab…) are not allowed")
    return value


def _free_text(value: str) -> str:
    if CONTROL_BUT_NEWLINES.search(value):
        raise ValueError("control characters other than line breaks and tabs are not allowed")
    return value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


Line = Annotated[str, AfterValidator(_single_line)]
OptionalLine = Annotated[Line | None, BeforeValidator(_blank_is_none)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class OptionInput(_Input):
    """A choice: its label (Chinese or the site's language), English label, score, digit."""

    label: Line = Field(min_length=1, max_length=200)
    label_en: OptionalLine = Field(None, max_length=200)
    score: int | None = Field(None, ge=-MAX_SCORE, le=MAX_SCORE, description="None: not scored")
    keypad: int | None = Field(None, ge=1, le=9, description="IVR digit; default 1, 2, 3… in order")


class QuestionInput(_Input):
    """A question; options for single/multiple choice, a range for rating questions."""

    kind: QuestionKind
    text: Line = Field(min_length=1, max_length=500)
    text_en: OptionalLine = Field(None, max_length=500)
    required: bool = True
    rating_min: int | None = Field(None, ge=0, le=MAX_RATING)
    rating_max: int | None = Field(None, ge=0, le=MAX_RATING)
    options: list[OptionInput] = Field(default_factory=list, max_length=MAX_OPTIONS)


class QuestionnaireCreate(_Input):
    """A new questionnaire and the questions of its first version."""

    code: str = Field(pattern=QUESTIONNAIRE_CODE, description="e.g. phone-service-evaluation")
    title: Line = Field(min_length=1, max_length=200)
    title_en: OptionalLine = Field(None, max_length=200)
    kind: SurveyKind
    questions: list[QuestionInput] = Field(min_length=1, max_length=MAX_QUESTIONS)


class QuestionnaireEdit(_Input):
    """Changes to a questionnaire; ``questions`` (when given) replaces the whole list."""

    title: Line | None = Field(None, min_length=1, max_length=200)
    title_en: OptionalLine = Field(None, max_length=200)
    kind: SurveyKind | None = None
    questions: list[QuestionInput] | None = Field(None, min_length=1, max_length=MAX_QUESTIONS)


class ResponseStart(_Input):
    """Who answers which questionnaire about what.

    A call is named by its record id or by Asterisk's linked id; the member, agent and
    queue the call record holds are used when not given here. A linked id the call log
    has no record of yet (a live call) is kept, and the response is tied to the record
    when the call log writes it.
    """

    questionnaire: str = Field(pattern=QUESTIONNAIRE_CODE)
    channel: SurveyChannel
    member_number: Annotated[
        str | None, BeforeValidator(_blank_is_none), BeforeValidator(_upper)
    ] = Field(None, pattern=MEMBER_NUMBER)
    call_id: int | None = Field(None, ge=1)
    call_linked_id: str | None = Field(None, pattern=LINKED_ID)
    service_request_id: int | None = Field(None, ge=1)
    agent: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        None, pattern=LOGIN, description="the agent's login"
    )
    queue: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(None, pattern=QUEUE)

    @model_validator(mode="after")
    def _one_call_reference(self) -> ResponseStart:
        if self.call_id is not None and self.call_linked_id is not None:
            raise ValueError("give the call's id or its linked id, not both")
        return self


class AnswerInput(_Input):
    """An answer to one question: options by id, keypad digits, a rating value or a text.

    Exactly one of them. ``keypad`` is what a caller pressed: one digit per chosen option
    (``"13"`` picks options 1 and 3 of a multiple-choice question), or the rating value.
    """

    question_id: int = Field(ge=1)
    option_ids: list[int] | None = Field(None, min_length=1, max_length=MAX_OPTIONS)
    keypad: str | None = Field(None, pattern=KEYPAD)
    rating: int | None = None
    text: Annotated[str, AfterValidator(_free_text)] | None = Field(
        None, min_length=1, max_length=2000
    )

    @model_validator(mode="after")
    def _exactly_one_kind_of_answer(self) -> AnswerInput:
        given = [self.option_ids, self.keypad, self.rating, self.text]
        if sum(value is not None for value in given) != 1:
            raise ValueError("give exactly one of option_ids, keypad, rating, text")
        return self


class ResponseSubmit(ResponseStart):
    """A whole response at once (a link form, an agent's screen): started and completed."""

    answers: list[AnswerInput] = Field(max_length=MAX_QUESTIONS * MAX_OPTIONS)
