"""A dial attempt's outcome and what follows from it: pure rules, no database.

The outcome comes from the Q.850 ``Cause`` of the dialled channel's ``Hangup`` event,
whether the call was answered, the AMD verdict and whether the dialer abandoned it.
Over PJSIP, ``OriginateResponse``'s ``Reason`` and ``DialEnd``'s status report busy,
congestion and unallocated alike, so they are never used (see the dialer facts note).

The retry rules (a campaign may override any of them, key by key) say, per result, how
long to wait before the next dial and how many dials of that result a lead may have.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class CallResult(enum.StrEnum):
    """What one dial attempt came to."""

    ANSWERED = "answered"  # a person answered (connected, or heard the IVR message)
    ABANDONED = "abandoned"  # a person answered and no agent came within the deadline
    MACHINE = "machine"  # AMD heard an answering machine
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    NETWORK = "network"  # congestion or a network failure: not the callee's doing
    INVALID = "invalid"  # unallocated number or invalid format: never dialled again
    OTHER = "other"  # a cause this table does not know


class AmdVerdict(enum.StrEnum):
    """app_amd's ``AMDSTATUS``."""

    HUMAN = "HUMAN"
    MACHINE = "MACHINE"
    NOTSURE = "NOTSURE"
    HANGUP = "HANGUP"


CAUSES: Mapping[int, CallResult] = {
    1: CallResult.INVALID,  # unallocated (unassigned) number
    28: CallResult.INVALID,  # invalid number format
    17: CallResult.BUSY,
    18: CallResult.NO_ANSWER,  # no user responding
    19: CallResult.NO_ANSWER,  # no answer from user (rang past the timeout)
    16: CallResult.NO_ANSWER,  # normal clearing before an answer: the ring was ended
    21: CallResult.REJECTED,
    27: CallResult.NETWORK,  # destination out of order
    34: CallResult.NETWORK,  # no circuit available
    38: CallResult.NETWORK,  # network out of order
    41: CallResult.NETWORK,  # temporary failure
    42: CallResult.NETWORK,  # switching equipment congestion
}
"""Q.850 cause → result, for calls nobody answered."""


def classify(*, cause: int | None, answered: bool, amd: str | None, abandoned: bool) -> CallResult:
    """The result of one attempt.

    An answered call is a machine when AMD said so (a machine is never an abandon), an
    abandon when the dialer says nobody was connected in time, else answered by a person
    (a NOTSURE verdict counts as a person: the regulated rate must not be understated).
    An unanswered call is classified by its Hangup cause; with no cause at all (the
    channel never came up) it is a network failure.
    """
    if answered:
        if amd == AmdVerdict.MACHINE:
            return CallResult.MACHINE
        return CallResult.ABANDONED if abandoned else CallResult.ANSWERED
    if cause is None:
        return CallResult.NETWORK
    return CAUSES.get(cause, CallResult.OTHER)


DEFAULT_RETRY_RULES: Mapping[str, Mapping[str, Any]] = {
    CallResult.BUSY: {"delay_minutes": 10, "max": 3},
    CallResult.NO_ANSWER: {"delay_minutes": [120, 240], "max": 5, "min_span_days": 2},
    CallResult.NETWORK: {"delay_minutes": 1, "max": 8, "backoff": True, "counted": False},
    CallResult.MACHINE: {"delay_minutes": 240, "max": 3, "leave_message": False},
    CallResult.REJECTED: {"delay_minutes": 240, "max": 2},
    CallResult.ABANDONED: {"delay_minutes": 72 * 60, "max": 2},
    CallResult.OTHER: {"delay_minutes": 60, "max": 3},
}
"""The issue's defaults: busy again in 10 min (≤ 3); no answer in 2–4 h (≤ 5, the last
one at least a day after the first, so over ≥ 2 days); network failures with a doubling
back-off, not counted; a machine later (or done when the campaign leaves its message)."""
RULE_KEYS = frozenset(
    {"delay_minutes", "max", "min_span_days", "backoff", "counted", "leave_message"}
)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class RetryRule:
    """How one result is retried: the delay before the next dial and ``max``, how many
    attempts with this result a lead may have before it fails."""

    delay_low: timedelta
    delay_high: timedelta
    max: int
    min_span_days: int = 1
    backoff: bool = False
    counted: bool = True
    leave_message: bool = False


def _minutes(value: object, where: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, value
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
        and 0 <= value[0] <= value[1]
    ):
        return value[0], value[1]
    raise ValueError(f"{where}.delay_minutes: minutes, or [low, high] with low <= high")


def _rule(result: str, raw: Mapping[str, Any]) -> RetryRule:
    where = f"retry_rules.{result}"
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    low, high = _minutes(raw.get("delay_minutes"), where)
    most = raw.get("max")
    if not isinstance(most, int) or isinstance(most, bool) or most < 0:
        raise ValueError(f"{where}.max: a count of 0 or more")
    span = raw.get("min_span_days", 1)
    if not isinstance(span, int) or isinstance(span, bool) or span < 1:
        raise ValueError(f"{where}.min_span_days: a count of 1 or more")
    defaults = (("backoff", False), ("counted", True), ("leave_message", False))
    flags = {key: raw.get(key, default) for key, default in defaults}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise ValueError(f"{where}.{key}: true or false")
    return RetryRule(
        timedelta(minutes=low),
        timedelta(minutes=high),
        most,
        span,
        flags["backoff"],
        flags["counted"],
        flags["leave_message"],
    )


def retry_rules(overrides: Mapping[str, Any] | None = None) -> dict[CallResult, RetryRule]:
    """The defaults with a campaign's overrides on top (each result's keys replaced one by
    one); ``ValueError`` naming ``retry_rules.<result>.<key>`` for anything unusable."""
    merged = {CallResult(key): dict(rule) for key, rule in DEFAULT_RETRY_RULES.items()}
    for key, rule in (overrides or {}).items():
        try:
            result = CallResult(key)
        except ValueError:
            raise ValueError(f"retry_rules.{key}: not a retried result") from None
        if result not in merged or not isinstance(rule, Mapping):
            raise ValueError(f"retry_rules.{key}: not a retried result, or not a mapping")
        merged[result].update(rule)
    return {result: _rule(result, rule) for result, rule in merged.items()}


class LeadFate(enum.StrEnum):
    """Where a lead stands after an attempt."""

    RETRY = "retry"
    DONE = "done"
    FAILED = "failed"  # retries used up
    INVALID = "invalid"


@dataclass(frozen=True)
class NextStep:
    """What follows an attempt: the lead's fate, when it may be dialled next, whether the
    attempt counts toward the lead's attempts."""

    fate: LeadFate
    retry_after: datetime | None
    counted: bool


@dataclass(frozen=True)
class LeadHistory:
    """What the rules need to know of a lead's earlier attempts (this one included)."""

    counted_before: int  # counted attempts before this one
    same_result: int  # attempts with this result, this one included
    first_dialled_at: datetime


def next_step(
    result: CallResult,
    *,
    ended_at: datetime,
    history: LeadHistory,
    rules: Mapping[CallResult, RetryRule],
    max_attempts: int,
) -> NextStep:
    """Apply the retry rules to an attempt's result.

    The delay of a result with a ``[low, high]`` range grows evenly from low (its first
    retry) to high (its last), so retries spread over the day deterministically; with
    ``min_span_days`` N, its last retry is not before N − 1 days after the first dial. A
    back-off rule doubles its delay with each retry up to one hour.
    """
    if result is CallResult.ANSWERED:
        return NextStep(LeadFate.DONE, None, True)
    if result is CallResult.INVALID:
        return NextStep(LeadFate.INVALID, None, True)
    rule = rules[result]
    if result is CallResult.MACHINE and rule.leave_message:
        return NextStep(LeadFate.DONE, None, True)
    out_of_attempts = rule.counted and history.counted_before + 1 >= max_attempts
    if history.same_result >= rule.max or out_of_attempts:
        return NextStep(LeadFate.FAILED, None, rule.counted)
    retry = history.same_result  # 1 for the first retry
    if rule.backoff:
        delay = min(rule.delay_low * 2 ** (retry - 1), max(BACKOFF_CAP, rule.delay_low))
    elif rule.max > 1:
        delay = rule.delay_low + (rule.delay_high - rule.delay_low) * (retry - 1) / max(
            rule.max - 2, 1
        )
    else:
        delay = rule.delay_low
    after = ended_at + delay
    if retry == rule.max - 1 and rule.min_span_days > 1:
        after = max(after, history.first_dialled_at + timedelta(days=rule.min_span_days - 1))
    return NextStep(LeadFate.RETRY, after, rule.counted)
