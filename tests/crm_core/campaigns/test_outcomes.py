"""An attempt's result comes from the Hangup cause, the answer and the AMD verdict; the
retry rules (the issue's defaults, editable per campaign) decide what follows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from crm_core.campaigns.outcomes import (
    CallResult,
    LeadFate,
    LeadHistory,
    NextStep,
    RetryRule,
    classify,
    next_step,
    retry_rules,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = retry_rules()


@pytest.mark.parametrize(
    ("cause", "result"),
    [
        (1, CallResult.INVALID),
        (28, CallResult.INVALID),
        (17, CallResult.BUSY),
        (18, CallResult.NO_ANSWER),
        (19, CallResult.NO_ANSWER),
        (21, CallResult.REJECTED),
        (27, CallResult.NETWORK),
        (34, CallResult.NETWORK),
        (38, CallResult.NETWORK),
        (41, CallResult.NETWORK),
        (42, CallResult.NETWORK),
        (None, CallResult.NETWORK),
        (102, CallResult.OTHER),
    ],
)
def test_an_unanswered_call_is_classified_by_its_q850_cause(
    cause: int | None, result: CallResult
) -> None:
    assert classify(cause=cause, answered=False, amd=None, abandoned=False) is result


@pytest.mark.parametrize(
    ("amd", "abandoned", "result"),
    [
        (None, False, CallResult.ANSWERED),
        ("HUMAN", False, CallResult.ANSWERED),
        ("NOTSURE", True, CallResult.ABANDONED),
        (None, True, CallResult.ABANDONED),
        ("MACHINE", True, CallResult.MACHINE),  # a machine is never an abandon
        ("MACHINE", False, CallResult.MACHINE),
    ],
)
def test_an_answered_call_is_a_person_an_abandon_or_a_machine(
    amd: str | None, abandoned: bool, result: CallResult
) -> None:
    assert classify(cause=16, answered=True, amd=amd, abandoned=abandoned) is result


def history(counted_before: int, same: int, first: datetime = AT) -> LeadHistory:
    return LeadHistory(counted_before=counted_before, same_result=same, first_dialled_at=first)


def step(
    result: CallResult,
    counted_before: int,
    same: int,
    *,
    rules: Mapping[CallResult, RetryRule] = RULES,
    max_attempts: int = 10,
) -> NextStep:
    return next_step(
        result,
        ended_at=AT,
        history=history(counted_before, same),
        rules=rules,
        max_attempts=max_attempts,
    )


def test_busy_is_retried_in_ten_minutes_three_times_at_most() -> None:
    first = step(CallResult.BUSY, 0, 1)
    assert (first.fate, first.retry_after, first.counted) == (
        LeadFate.RETRY,
        AT + timedelta(minutes=10),
        True,
    )
    assert step(CallResult.BUSY, 1, 2).fate is LeadFate.RETRY
    assert step(CallResult.BUSY, 2, 3).fate is LeadFate.FAILED


def test_no_answer_is_retried_in_two_to_four_hours_over_at_least_two_days() -> None:
    delays = [step(CallResult.NO_ANSWER, n - 1, n).retry_after for n in (1, 2, 3)]
    assert delays == [
        AT + timedelta(hours=2),
        AT + timedelta(minutes=160),
        AT + timedelta(minutes=200),
    ]
    # The fifth (last) dial is at least a day after the first one.
    last = next_step(
        CallResult.NO_ANSWER,
        ended_at=AT,
        history=history(3, 4, AT - timedelta(hours=9)),
        rules=RULES,
        max_attempts=10,
    )
    assert last.retry_after == AT - timedelta(hours=9) + timedelta(days=1)
    assert step(CallResult.NO_ANSWER, 4, 5).fate is LeadFate.FAILED


def test_a_network_failure_backs_off_and_does_not_count() -> None:
    delays = [step(CallResult.NETWORK, 0, n) for n in (1, 2, 3, 4)]
    assert [s.retry_after - AT for s in delays if s.retry_after] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert not any(s.counted for s in delays)
    # Out of counted attempts does not stop a network retry: it was never counted.
    assert step(CallResult.NETWORK, 9, 1, max_attempts=10).fate is LeadFate.RETRY


def test_unallocated_number_is_invalid_and_answered_is_done() -> None:
    assert step(CallResult.INVALID, 0, 1).fate is LeadFate.INVALID
    assert step(CallResult.ANSWERED, 0, 1).fate is LeadFate.DONE


def test_a_machine_is_retried_later_or_done_when_the_campaign_leaves_its_message() -> None:
    assert step(CallResult.MACHINE, 0, 1).fate is LeadFate.RETRY
    leaves = retry_rules({"machine": {"leave_message": True}})
    assert step(CallResult.MACHINE, 0, 1, rules=leaves).fate is LeadFate.DONE


def test_the_campaign_max_attempts_ends_retries_of_counted_results() -> None:
    assert step(CallResult.BUSY, 2, 1, max_attempts=3).fate is LeadFate.FAILED


def test_a_campaign_edits_one_rule_key_and_keeps_the_other_defaults() -> None:
    rules = retry_rules({"busy": {"delay_minutes": 30}})
    assert rules[CallResult.BUSY].delay_low == timedelta(minutes=30)
    assert rules[CallResult.BUSY].max == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"busy": {"delay_minutes": -1}}, "retry_rules.busy.delay_minutes"),
        ({"busy": {"delay_minutes": [30, 10]}}, "retry_rules.busy.delay_minutes"),
        ({"busy": {"max": "3"}}, "retry_rules.busy.max"),
        ({"busy": {"often": True}}, "retry_rules.busy"),
        ({"answered": {"max": 1}}, "retry_rules.answered"),
        ({"smoke": {"max": 1}}, "retry_rules.smoke"),
    ],
)
def test_bad_retry_rules_are_refused_naming_the_rule(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        retry_rules(overrides)
