"""Bodies and results of the call-control routes.

Bodies are request models (an unknown field is a 400 naming it); results are frozen data
objects with one serialiser each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from cti.http.schemas import PRINTABLE, RequestBody
from cti.http.serialisers import Serialiser

TARGET = r"^(?:(?:agent|queue|number):)?\+?[A-Za-z0-9*#][A-Za-z0-9._*#-]{0,63}$"


class TransferBody(RequestBody):
    """``{target, mode, note?}``: an agent login, a queue or a number; blind or attended."""

    target: str = Field(pattern=TARGET, description="agent:LOGIN, queue:NAME, number:DIGITS")
    mode: Literal["blind", "attended"] = "blind"
    note: str | None = Field(None, max_length=500, pattern=PRINTABLE)


class ConferenceBody(RequestBody):
    """``{target}``: the third party to bring into the conference."""

    target: str = Field(pattern=TARGET, description="agent:LOGIN, queue:NAME, number:DIGITS")


class DtmfBody(RequestBody):
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


__all__ = [
    "CALL_ACTION",
    "DIAL",
    "CallActionResult",
    "ConferenceBody",
    "DialResult",
    "DtmfBody",
    "TransferBody",
]
