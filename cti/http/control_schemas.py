"""Bodies and results of the call-control, supervisor and recording routes.

Bodies are pydantic models (``extra="forbid"``: an unknown field is a 400 naming it);
results are frozen data objects with one serialiser each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cti.http.serialisers import Serialiser

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


TARGET = r"^(?:(?:agent|queue|number):)?\+?[A-Za-z0-9*#][A-Za-z0-9._*#-]{0,63}$"


class DialBody(_Body):
    """``{number}``: the number to call once the agent's own phone answers."""

    number: str = Field(pattern=r"^\+?[0-9*#]{1,32}$", description="digits, * and #")


class TransferBody(_Body):
    """``{target, mode, note?}``: an agent login, a queue or a number; blind or attended."""

    target: str = Field(pattern=TARGET, description="agent:LOGIN, queue:NAME, number:DIGITS")
    mode: Literal["blind", "attended"] = "blind"
    note: str | None = Field(None, max_length=500, pattern=PRINTABLE)


class ConferenceBody(_Body):
    """``{target}``: the third party to bring into the conference."""

    target: str = Field(pattern=TARGET, description="agent:LOGIN, queue:NAME, number:DIGITS")


class DtmfBody(_Body):
    """``{digits}``: DTMF to send to the far end."""

    digits: str = Field(pattern=r"^[0-9*#A-D]{1,32}$")


@dataclass(frozen=True)
class DialResult:
    """A call placed from the agent's phone: its id (the call id of every later action)."""

    call_id: str
    number: str


@dataclass(frozen=True)
class CallActionResult:
    """What a call action did, for the console's status line."""

    call_id: str
    action: str
    detail: str | None = None


DIAL = Serialiser(DialResult, "DialResult")
CALL_ACTION = Serialiser(CallActionResult, "CallActionResult")


class SpyBody(_Body):
    """``{mode}``: listen (quiet), whisper (the agent hears you) or barge (both hear you)."""

    mode: Literal["listen", "whisper", "barge"]


class SupervisorPauseBody(_Body):
    """``{reason}``: why the supervisor pauses the agent (shown on the wall-board)."""

    reason: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)


class NoticeBody(_Body):
    """``{text, queue?}``: a broadcast line for every console, or one queue's agents."""

    text: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    queue: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


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


class LegalHoldBody(_Body):
    """``{hold, reason?}``: put a recording on legal hold (reason required) or release it."""

    hold: bool
    reason: str | None = Field(None, max_length=200, pattern=PRINTABLE)
