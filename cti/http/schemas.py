"""What the REST routes take (validated models) and return (data objects).

Bodies and query strings are pydantic models, so the OpenAPI document and the checks
come from one declaration; ``extra="forbid"`` makes an unknown field a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from crm_core.staff.schemas import UserView


class RequestBody(BaseModel):
    """Base of every request body and query string: an unknown field is a 400.

    Subclasses declare their fields with limits; :data:`Line` is a printable one-line text.
    Text is validated as sent, never trimmed: a line break at either end of a value bound
    for Asterisk is refused like one inside it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
"""A pattern for text fields: no control characters (CR, LF, tab…)."""
QUEUE_NAME = r"^[A-Za-z0-9_-]{1,64}$"
"""A queue name as Asterisk's queues.conf has it."""


def printable(value: str) -> str:
    """``value`` if it holds no control character (CR, LF, tab…), else a ValueError."""
    if CONTROL.search(value):
        raise ValueError("control characters (CR, LF, tab…) are not allowed")
    return value


Line = Annotated[str, Field(min_length=1), AfterValidator(printable)]
"""A non-empty text with no control characters."""


class DialBody(RequestBody):
    """``{number}``: a number to call once the agent's own phone answers."""

    number: str = Field(pattern=r"^\+?[0-9*#]{1,32}$", description="digits, * and #")


class LoginBody(RequestBody):
    """A login: the staff user's login name and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


@dataclass(frozen=True)
class LoginResult:
    """A token issued at login, the user's role and profile."""

    token: str
    expires_at: datetime
    role: str
    user: UserView


@dataclass(frozen=True)
class UserList:
    """Staff users by login."""

    users: list[UserView]


__all__ = [
    "PRINTABLE",
    "QUEUE_NAME",
    "DialBody",
    "Line",
    "LoginBody",
    "LoginResult",
    "RequestBody",
    "UserList",
    "printable",
]
