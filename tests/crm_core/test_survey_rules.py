"""The pure survey rules: well-formed questions, answers resolved against questions, scores."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_core.surveys.exceptions import InvalidAnswerError
from crm_core.surveys.models import QuestionKind
from crm_core.surveys.rules import (
    answer_items,
    definition_problems,
    keypad_digits,
    mean,
    missing_required,
    rate,
    resolve_answer,
    response_score,
    rounded,
)
from crm_core.surveys.schemas import AnswerInput, OptionInput, QuestionInput
from crm_core.surveys.views import OptionView, QuestionView


def question(kind: QuestionKind, **fields: Any) -> QuestionView:
    options = tuple(
        OptionView(id=10 + n, position=n, label=f"o{n}", label_en=None, score=score, keypad=n)
        for n, score in enumerate(fields.pop("scores", ()), start=1)
    )
    values: dict[str, Any] = {
        "id": 1,
        "position": 1,
        "kind": kind,
        "text": "Q",
        "text_en": None,
        "required": True,
        "rating_min": None,
        "rating_max": None,
        "options": options,
    }
    return QuestionView(**{**values, **fields})


SINGLE = question(QuestionKind.SINGLE, scores=(5, 3, None))
MULTIPLE = question(QuestionKind.MULTIPLE, scores=(2, 1, None))
RATING = question(QuestionKind.RATING, rating_min=1, rating_max=5)
TEXT = question(QuestionKind.TEXT)


def answer(**fields: Any) -> AnswerInput:
    return AnswerInput(question_id=1, **fields)


def test_keypad_digits_default_to_the_order_read_out() -> None:
    options = [OptionInput(label="a"), OptionInput(label="b"), OptionInput(label="c")]
    assert keypad_digits(options) == [1, 2, 3]
    given_digits = [OptionInput(label="a", keypad=9), OptionInput(label="b", keypad=1)]
    assert keypad_digits(given_digits) == [9, 1]


def test_definition_problems_name_the_question() -> None:
    good = QuestionInput(kind=QuestionKind.RATING, text="Q", rating_min=0, rating_max=10)
    bad = QuestionInput(kind=QuestionKind.TEXT, text="Q", options=[OptionInput(label="a")])
    assert definition_problems([good]) == []
    assert definition_problems([good, bad]) == ["question 2: a text question has no options"]


@pytest.mark.parametrize(
    ("target", "given_answer", "expected"),
    [
        (SINGLE, answer(option_ids=[12]), ((12,), None, None)),
        (SINGLE, answer(keypad="3"), ((13,), None, None)),
        (MULTIPLE, answer(keypad="31"), ((13, 11), None, None)),
        (MULTIPLE, answer(option_ids=[11, 12]), ((11, 12), None, None)),
        (RATING, answer(rating=5), ((), 5, None)),
        (RATING, answer(keypad="1"), ((), 1, None)),
        (TEXT, answer(text="很好"), ((), None, "很好")),
    ],
)
def test_answers_resolve_against_their_question(
    target: QuestionView, given_answer: AnswerInput, expected: tuple[Any, ...]
) -> None:
    resolved = resolve_answer(target, given_answer)
    assert (resolved.option_ids, resolved.rating, resolved.text) == expected


@pytest.mark.parametrize(
    ("target", "given_answer"),
    [
        (SINGLE, answer(option_ids=[99])),
        (SINGLE, answer(option_ids=[11, 12])),
        (SINGLE, answer(keypad="4")),
        (SINGLE, answer(rating=1)),
        (MULTIPLE, answer(keypad="11")),
        (MULTIPLE, answer(option_ids=[11, 11])),
        (RATING, answer(rating=6)),
        (RATING, answer(keypad="0")),
        (RATING, answer(option_ids=[11])),
        (TEXT, answer(keypad="1")),
    ],
)
def test_answers_that_do_not_fit_are_refused(target: QuestionView, given_answer: Any) -> None:
    with pytest.raises(InvalidAnswerError):
        resolve_answer(target, given_answer)


def test_score_items_skip_unscored_options() -> None:
    assert answer_items(MULTIPLE, resolve_answer(MULTIPLE, answer(keypad="123"))) == [2, 1]
    assert answer_items(RATING, resolve_answer(RATING, answer(rating=4))) == [4]
    assert answer_items(TEXT, resolve_answer(TEXT, answer(text="x"))) == []


def test_required_questions_missing() -> None:
    optional = question(QuestionKind.TEXT, id=2, position=2, required=False)
    third = question(QuestionKind.RATING, id=3, position=3, rating_min=1, rating_max=5)
    assert missing_required([SINGLE, optional, third], answered=[3]) == [1]


def test_rounding_is_half_up_and_rates_need_a_whole() -> None:
    assert response_score([5, 4]) == Decimal("4.50")
    assert response_score([1, 1, 2]) == Decimal("1.33")
    assert response_score([2, 2, 1]) == Decimal("1.67")
    assert rounded(Fraction(1, 8)) == Decimal("0.13")
    assert response_score([]) is None
    assert rate(2, 3) == Decimal("0.6667")
    assert rate(0, 0) is None


@given(st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=50))
def test_a_response_score_is_its_mean_within_half_a_cent(items: list[int]) -> None:
    score = response_score(items)
    assert score is not None
    exact = Fraction(sum(items), len(items))
    assert abs(Fraction(score) - exact) <= Fraction(1, 200)
    assert min(items) <= score <= max(items)
    assert mean(items) == exact
