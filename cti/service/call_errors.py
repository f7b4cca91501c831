"""Errors of call control and supervision: each is a status, a kebab-case id and details."""

from __future__ import annotations

from typing import ClassVar

from cti.http.errors import ApiError


class CallNotFoundError(ApiError):
    """The service has never seen a call with this id."""

    status: ClassVar[int] = 404
    error_id: ClassVar[str] = "call-not-found"


class CallEndedError(ApiError):
    """The call ended before (or while) the action was carried out; nothing changed."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "call-ended"


class CallStateError(ApiError):
    """The call is not in a state that allows this action (not held, no consult call…)."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "call-state"


class NotOnCallError(ApiError):
    """The agent is not on this call."""

    status: ClassVar[int] = 403
    error_id: ClassVar[str] = "not-on-call"


class UnknownTargetError(ApiError):
    """A transfer or conference target that is no agent, queue or number."""

    status: ClassVar[int] = 404
    error_id: ClassVar[str] = "unknown-target"


class RecordingRefusedError(ApiError):
    """The call's recording policy does not allow this (policy ``none``)."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "recording-refused"


__all__ = [
    "CallEndedError",
    "CallNotFoundError",
    "CallStateError",
    "NotOnCallError",
    "RecordingRefusedError",
    "UnknownTargetError",
]
