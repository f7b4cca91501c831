"""Bodies and results of the supervisor routes (every action is also audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from cti.http.schemas import PRINTABLE, QUEUE_NAME, RequestBody
from cti.http.serialisers import Serialiser


class SpyBody(RequestBody):
    """``{mode}``: listen (quiet), whisper (the agent hears you) or barge (both hear you)."""

    mode: Literal["listen", "whisper", "barge"]


class SupervisorPauseBody(RequestBody):
    """``{reason}``: why the supervisor pauses the agent (shown on the wall-board)."""

    reason: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)


class NoticeBody(RequestBody):
    """``{text, queue?}``: a broadcast line for every console, or one queue's agents."""

    text: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    queue: str | None = Field(None, pattern=QUEUE_NAME)


@dataclass(frozen=True)
class SupervisorActionResult:
    """What a supervisor action did (every one is also in the audit trail)."""

    action: str
    call_id: str | None = None
    agent: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class NoticeResult:
    """How many consoles a broadcast notice reached."""

    delivered: int
    queue: str | None


SUPERVISOR_ACTION = Serialiser(SupervisorActionResult, "SupervisorActionResult")
NOTICE = Serialiser(NoticeResult, "NoticeResult")


__all__ = [
    "NOTICE",
    "SUPERVISOR_ACTION",
    "NoticeBody",
    "NoticeResult",
    "SpyBody",
    "SupervisorActionResult",
    "SupervisorPauseBody",
]
