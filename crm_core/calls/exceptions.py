"""Errors of the call log and the disposition codes."""

from __future__ import annotations

from crm_core.errors import ConflictError, CrmError, InvalidInputError, NotFoundError


class CallRecordConflictError(ConflictError):
    """A write for a known linked id that contradicts what is already recorded."""

    error_id = "call-record-conflict"


class CallTimesOutOfOrderError(InvalidInputError):
    """Call times that run backwards (answered before it started, ended before answered…)."""

    error_id = "call-times-out-of-order"


class CallNotFoundError(NotFoundError):
    """No call with this linked id."""

    error_id = "call-not-found"


class AmbiguousCallError(ConflictError):
    """A linked id recorded on several Asterisks (only servers without a systemname can)."""

    error_id = "ambiguous-call"


class UnknownAgentError(InvalidInputError):
    """A call names an agent login that no user has."""

    error_id = "unknown-agent"


class UnknownMemberError(InvalidInputError):
    """A call names a member number that no member has."""

    error_id = "unknown-member"


class CallOfAnotherMemberError(InvalidInputError):
    """A note, request or survey tied to a call whose record belongs to a different member."""

    error_id = "call-of-another-member"


class InvalidDispositionError(InvalidInputError):
    """A disposition code that is unknown, inactive or not valid for the call's queue."""

    error_id = "invalid-disposition"


class NotYourCallError(CrmError):
    """An agent tried to close a call another agent handled (supervisors may)."""

    status = 403
    error_id = "not-your-call"


class DuplicateDispositionCodeError(ConflictError):
    """The code is already defined in that scope."""

    error_id = "duplicate-disposition-code"


class DispositionCodeNotFoundError(NotFoundError):
    """No such code in that scope."""

    error_id = "disposition-code-not-found"


__all__ = [
    "CallNotFoundError",
    "CallOfAnotherMemberError",
    "CallRecordConflictError",
    "CallTimesOutOfOrderError",
    "DispositionCodeNotFoundError",
    "DuplicateDispositionCodeError",
    "InvalidDispositionError",
    "NotYourCallError",
    "UnknownAgentError",
    "UnknownMemberError",
]
