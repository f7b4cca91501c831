"""Pure survey rules: well-formed questions, what an answer means, scores and rates.

Scores. An *item* is a chosen option that carries a score, or a rating value (options
without a score, such as "not sure", and text answers are not items). A response's
score is the mean of its items; it has none without items. Means of groups (per agent,
per queue, overall) are means of response scores, each response weighing the same.
Means are exact fractions rounded half-up to 2 decimal places; rates to 4.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from crm_core.surveys.exceptions import InvalidAnswerError
from crm_core.surveys.models import QuestionKind
from crm_core.surveys.schemas import AnswerInput, OptionInput, QuestionInput
from crm_core.surveys.views import QuestionView

CHOICE = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
SCORE_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")


def keypad_digits(options: Sequence[OptionInput]) -> list[int | None]:
    """The keypad digit of each option: as given, or 1, 2, 3… when none is given."""
    if all(option.keypad is None for option in options):
        return list(range(1, len(options) + 1))
    return [option.keypad for option in options]


def keypad_keys(question: QuestionView) -> str:
    """The keys a caller answers ``question`` with in the IVR (option digits, or the rating
    range up to 9); empty when the keypad cannot answer it (text, multiple choice)."""
    if question.kind is QuestionKind.RATING:
        low, high = question.rating_min or 0, min(question.rating_max or 9, 9)
        return "".join(str(value) for value in range(low, high + 1))
    if question.kind is QuestionKind.SINGLE:
        return "".join(str(option.keypad) for option in question.options if option.keypad)
    return ""


def _question_problems(question: QuestionInput) -> list[str]:
    problems: list[str] = []
    has_range = question.rating_min is not None or question.rating_max is not None
    if question.kind in CHOICE:
        if len(question.options) < 2:
            problems.append("a choice question needs at least 2 options")
        if has_range:
            problems.append("only rating questions have rating_min/rating_max")
        labels = [option.label for option in question.options]
        if len(set(labels)) != len(labels):
            problems.append("two options have the same label")
        digits = keypad_digits(question.options)
        if None in digits:
            problems.append("give every option a keypad digit, or none (then 1, 2, 3…)")
        elif len(set(digits)) != len(digits):
            problems.append("two options have the same keypad digit")
        return problems
    if question.options:
        problems.append(f"a {question.kind.value} question has no options")
    if question.kind is QuestionKind.RATING:
        low, high = question.rating_min, question.rating_max
        if low is None or high is None:
            problems.append("a rating question needs rating_min and rating_max")
        elif low >= high:
            problems.append("rating_min must be below rating_max")
    elif has_range:
        problems.append("only rating questions have rating_min/rating_max")
    return problems


def definition_problems(questions: Sequence[QuestionInput]) -> list[str]:
    """Everything wrong with a list of questions, one ``question N: problem`` line each."""
    return [
        f"question {position}: {problem}"
        for position, question in enumerate(questions, start=1)
        for problem in _question_problems(question)
    ]


@dataclass(frozen=True)
class ResolvedAnswer:
    """An answer checked against its question: the option ids, the rating or the text."""

    question_id: int
    option_ids: tuple[int, ...] = ()
    rating: int | None = None
    text: str | None = None


def _refuse(question: QuestionView, problem: str, **details: object) -> InvalidAnswerError:
    return InvalidAnswerError(
        f"question {question.position}: {problem}",
        question_id=question.id,
        position=question.position,
        **details,
    )


def _choices(question: QuestionView, answer: AnswerInput) -> tuple[int, ...]:
    if answer.option_ids is not None:
        for option_id in answer.option_ids:
            if question.option(option_id) is None:
                raise _refuse(
                    question,
                    f"option {option_id} is not one of this question's options",
                    option_id=option_id,
                )
        chosen = tuple(answer.option_ids)
    elif answer.keypad is not None:
        options = [question.option_for_digit(int(digit)) for digit in answer.keypad]
        if any(option is None for option in options):
            raise _refuse(question, f"no option for keypad {answer.keypad!r}", keypad=answer.keypad)
        chosen = tuple(option.id for option in options if option is not None)
    else:
        raise _refuse(question, f"a {question.kind.value}-choice question is answered by options")
    if len(set(chosen)) != len(chosen):
        raise _refuse(question, "an option is chosen twice")
    if question.kind is QuestionKind.SINGLE and len(chosen) != 1:
        raise _refuse(question, "a single-choice question takes exactly one option")
    return chosen


def _rating(question: QuestionView, answer: AnswerInput) -> int:
    if answer.rating is not None:
        value = answer.rating
    elif answer.keypad is not None:
        value = int(answer.keypad)
    else:
        raise _refuse(question, "a rating question is answered by a rating value")
    low, high = question.rating_min, question.rating_max
    if low is None or high is None:  # the table's check constraint forbids it
        raise _refuse(question, "this rating question has no range")
    if not low <= value <= high:
        raise _refuse(question, f"rating {value} is outside {low}–{high}", rating=value)
    return value


def resolve_answer(question: QuestionView, answer: AnswerInput) -> ResolvedAnswer:
    """What ``answer`` means for ``question``, or :class:`InvalidAnswerError` saying why not."""
    if question.kind in CHOICE:
        return ResolvedAnswer(question.id, option_ids=_choices(question, answer))
    if question.kind is QuestionKind.RATING:
        return ResolvedAnswer(question.id, rating=_rating(question, answer))
    if answer.text is None:
        raise _refuse(question, "a text question is answered by a text")
    return ResolvedAnswer(question.id, text=answer.text)


def answer_items(question: QuestionView, answer: ResolvedAnswer) -> list[int]:
    """The score items of one answer: scored options chosen, or the rating value."""
    if answer.rating is not None:
        return [answer.rating]
    scores = [question.option(option_id) for option_id in answer.option_ids]
    return [option.score for option in scores if option is not None and option.score is not None]


def missing_required(questions: Iterable[QuestionView], answered: Iterable[int]) -> list[int]:
    """Positions of required questions without an answer."""
    done = set(answered)
    return [q.position for q in questions if q.required and q.id not in done]


def mean(values: Iterable[Fraction | int]) -> Fraction | None:
    """The exact mean, or None of nothing."""
    items = list(values)
    if not items:
        return None
    return Fraction(sum(items, Fraction(0)), len(items))


def rounded(value: Fraction | None, places: Decimal = SCORE_PLACES) -> Decimal | None:
    """``value`` rounded half-up to ``places`` (None stays None)."""
    if value is None:
        return None
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    return quotient.quantize(places, rounding=ROUND_HALF_UP)


def response_score(items: Iterable[int]) -> Decimal | None:
    """A response's score: the mean of its items, 2 decimal places."""
    return rounded(mean(items))


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to 4 decimal places; None when ``whole`` is 0."""
    return rounded(Fraction(part, whole), RATE_PLACES) if whole else None
