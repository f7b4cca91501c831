"""Per-user rate limits on reads of personal data (member records).

A sliding window: at most ``per_minute`` reads in any 60 seconds by one user; the next
is refused with a 429 whose ``Retry-After`` says when the oldest read leaves the window.
Kept in memory per user (staff are few); time comes from the service's clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from cti.http.errors import ApiError

WINDOW = timedelta(minutes=1)


class TooManyReadsError(ApiError):
    """A user read more member records in a minute than allowed."""

    status = 429
    error_id = "too-many-reads"

    def __init__(self, message: str, *, retry_after: int, limit: int) -> None:
        super().__init__(message, retry_after=retry_after, per_minute=limit)
        self.retry_after = retry_after


class ReadLimit:
    """At most ``per_minute`` reads per user in any sliding minute."""

    def __init__(self, *, per_minute: int, clock: Callable[[], datetime]) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock = clock
        self._reads: dict[str, deque[datetime]] = {}

    def take(self, login: str) -> None:
        """Count one read by ``login``, or :class:`TooManyReadsError` if over the limit."""
        now = self._clock()
        reads = self._reads.setdefault(login, deque(maxlen=self.per_minute))
        while reads and now - reads[0] >= WINDOW:
            reads.popleft()
        if len(reads) >= self.per_minute:
            wait = math.ceil((reads[0] + WINDOW - now).total_seconds())
            raise TooManyReadsError(
                f"over {self.per_minute} member records a minute: try again in {wait} s",
                retry_after=max(wait, 1),
                limit=self.per_minute,
            )
        reads.append(now)


__all__ = ["ReadLimit", "TooManyReadsError"]
