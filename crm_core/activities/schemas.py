"""What the activity services take (validated models) and return (frozen data objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from crm_core.activities.models import ActivityKind
from crm_core.calls.schemas import LINKED_ID, MEMBER_NUMBER

LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # newlines and tabs allowed
MAX_BODY = 10_000


def _one_line(value: str) -> str:
    if LINE_CONTROL.search(value):
        raise ValueError("control characters (CR, LF, tab…) are not allowed")
    return value


def _text(value: str) -> str:
    if TEXT_CONTROL.search(value):
        raise ValueError("control characters other than line breaks and tabs are not allowed")
    return value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Line = Annotated[str, AfterValidator(_one_line)]
Body = Annotated[str, AfterValidator(_text), Field(min_length=1, max_length=MAX_BODY)]
Subject = Annotated[Annotated[Line, Field(max_length=200)] | None, BeforeValidator(_blank_is_none)]
Channel = Annotated[
    Annotated[Line, Field(max_length=254, description="number, address or place it went to")]
    | None,
    BeforeValidator(_blank_is_none),
]
TemplateName = Annotated[Line, Field(min_length=1, max_length=64)]
CallLinkedId = Annotated[
    Annotated[str, Field(pattern=LINKED_ID)] | None, BeforeValidator(_blank_is_none)
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ActivityIn(_Input):
    """A free-text activity on a member; ``call_linked_id`` ties it to its call.

    A call not yet in the call log (still live) is linked when its record is written.
    """

    member_number: str = Field(pattern=MEMBER_NUMBER)
    kind: ActivityKind
    subject: Subject = None
    body: Body
    channel: Channel = None
    call_linked_id: CallLinkedId = None


class TemplatedActivityIn(_Input):
    """An activity whose text comes from a saved template, rendered for the member."""

    member_number: str = Field(pattern=MEMBER_NUMBER)
    template: TemplateName
    channel: Channel = None
    call_linked_id: CallLinkedId = None


class TemplateIn(_Input):
    """A template to save; ``{field}`` placeholders are checked against the allowed list."""

    name: TemplateName
    kind: ActivityKind
    subject: Subject = None
    body: Body

    @model_validator(mode="after")
    def _email_has_subject(self) -> TemplateIn:
        if self.kind is ActivityKind.EMAIL and self.subject is None:
            raise ValueError("an e-mail template needs a subject")
        return self


class TemplateChange(_Input):
    """New text for a template; only the fields given change."""

    subject: Subject = None
    body: Body | None = None


class Actor(_Input):
    """Who did it: a staff login or a system name."""

    name: Line = Field(min_length=1, max_length=64)


@dataclass(frozen=True)
class ActivityView:
    """One activity on a member, as stored.

    ``call_linked_id`` names the logged call it is tied to; ``pending_call_linked_id``
    the call it was made on while that call has no record yet (it is still live).
    """

    id: int
    member_number: str
    kind: ActivityKind
    subject: str | None
    body: str
    channel: str | None
    template: str | None
    call_linked_id: str | None
    pending_call_linked_id: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class TemplateView:
    """A saved template and the member fields it uses."""

    name: str
    kind: ActivityKind
    subject: str | None
    body: str
    fields: tuple[str, ...]
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RenderedMessage:
    """A template filled in for one member."""

    template: str
    kind: ActivityKind
    member_number: str
    subject: str | None
    body: str
