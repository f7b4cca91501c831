"""Bodies and results of the agent routes: queues, pause reasons, wrap-up."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from cti.http.schemas import QUEUE_NAME, RequestBody, printable
from cti.http.serialisers import Serialiser
from cti.protocol import QueueChange


class QueuesBody(RequestBody):
    """``{queues?}``: the queues to sign in to or out of (default: the user's own)."""

    queues: list[str] | None = Field(None, max_length=64)

    @field_validator("queues")
    @classmethod
    def _names(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if not re.fullmatch(QUEUE_NAME, name):
                raise ValueError(f"{name!r} is not a queue name (letters, digits, '_', '-')")
        return value


class PauseBody(RequestBody):
    """``{reason}``: why the agent pauses (shown to supervisors)."""

    reason: str = Field(min_length=1, max_length=100)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return printable(value)


class CallBody(RequestBody):
    """``{call_id}``: one of the agent's calls."""

    call_id: str = Field(min_length=1, max_length=64)

    @field_validator("call_id")
    @classmethod
    def _call_id(cls, value: str) -> str:
        return printable(value)


class WrapUpBody(CallBody):
    """``{call_id, disposition, note?}``: the call to close and its code."""

    disposition: str = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=2000)

    @field_validator("disposition", "note")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else printable(value)


QUEUE_CHANGE = Serialiser(QueueChange, "QueueChange")


__all__ = ["QUEUE_CHANGE", "CallBody", "PauseBody", "QueuesBody", "WrapUpBody"]
