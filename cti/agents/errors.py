"""Errors of the agent actions: each is a status, a kebab-case id and details."""

from __future__ import annotations

from typing import ClassVar

from cti.http.errors import ApiError


class NoQueuesError(ApiError):
    """Signing in needs at least one queue: the request's or the user's memberships."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "no-queues"


class InWrapupError(ApiError):
    """Unpausing during wrap-up would let a call in before the disposition is written."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "in-wrap-up"


__all__ = ["InWrapupError", "NoQueuesError"]
