"""The abandon rate's one definition: abandoned over answered by a person."""

from __future__ import annotations

import pytest

from crm_core.campaigns.rates import ABANDON_CAP, AbandonCounts, abandon_rate


def test_rate_is_abandoned_over_calls_a_person_answered() -> None:
    assert abandon_rate(AbandonCounts(answered_by_person=200, abandoned=6)) == ABANDON_CAP


def test_no_answers_yet_is_a_zero_rate_not_a_division_error() -> None:
    assert abandon_rate(AbandonCounts(answered_by_person=0, abandoned=0)) == 0.0


@pytest.mark.parametrize(("answered", "abandoned"), [(-1, 0), (0, -1), (3, 4)])
def test_impossible_counts_are_refused(answered: int, abandoned: int) -> None:
    with pytest.raises(ValueError, match=r"negative|more abandoned"):
        AbandonCounts(answered_by_person=answered, abandoned=abandoned)
