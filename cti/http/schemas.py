"""What the REST routes take (validated models) and return (data objects).

Bodies and query strings are pydantic models, so the OpenAPI document and the checks
come from one declaration; ``extra="forbid"`` makes an unknown field a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from crm_core.members.schemas import MemberBrief
from crm_core.staff.schemas import UserView

MAX_PAGE = 500


class _Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True
    )


class LoginBody(_Input):
    """A login: the staff user's login name and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class MembersQuery(_Input):
    """Exactly one of: a phone number as dialled, a card number, or free text."""

    phone: str | None = Field(None, min_length=1, max_length=64, description="phone number")
    card: str | None = Field(None, min_length=1, max_length=64, description="card number")
    q: str | None = Field(
        None, min_length=1, max_length=100, description="member number, phone or name prefix"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> MembersQuery:
        given = [name for name in ("phone", "card", "q") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, card or q")
        return self


class CallRecordsQuery(_Input):
    """Filters of the call log, newest first; ``cursor`` is the previous page's next_cursor."""

    member_no: str | None = Field(None, max_length=32, description="member number")
    agent: str | None = Field(None, max_length=32, description="agent login")
    queue: str | None = Field(None, max_length=64)
    number: str | None = Field(None, max_length=64, description="caller or called number")
    since: Annotated[AwareDatetime | None, Field(alias="from")] = None
    until: Annotated[AwareDatetime | None, Field(alias="to")] = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=100)


@dataclass(frozen=True)
class LoginResult:
    """A token issued at login, the user's role and profile."""

    token: str
    expires_at: datetime
    role: str
    user: UserView


@dataclass(frozen=True)
class MemberMatches:
    """Members found by a lookup (a phone can belong to several)."""

    members: list[MemberBrief]


@dataclass(frozen=True)
class UserList:
    """Staff users by login."""

    users: list[UserView]


__all__ = [
    "CallRecordsQuery",
    "LoginBody",
    "LoginResult",
    "MemberMatches",
    "MembersQuery",
    "UserList",
]
