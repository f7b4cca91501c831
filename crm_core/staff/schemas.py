"""What the staff services take (validated models) and return (frozen data objects).

Interfaces, queue names and display names end up in AMI actions (``QueueAdd``…), so
they are checked here, once: no CR/LF, no separators AMI or dial strings give meaning to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crm_core.errors import InvalidInputError
from crm_core.staff.models import Role, User
from crm_core.validation import parse

LOGIN = re.compile(r"[a-z][a-z0-9._-]{2,31}")
INTERFACE = re.compile(r"(PJSIP|SIP|IAX2|Local|DAHDI)/[A-Za-z0-9@._/-]{1,60}")
TECHNOLOGIES = {tech.lower(): tech for tech in ("PJSIP", "SIP", "IAX2", "Local", "DAHDI")}
QUEUE = re.compile(r"[A-Za-z0-9_-]{1,64}")
EXTENSION = re.compile(r"[0-9*#]{1,16}")
PENALTY = re.compile(r"[0-9]{1,3}")
MAX_PENALTY = 100
MAX_QUEUES = 64


def _login(value: str) -> str:
    login = value.lower()
    if not LOGIN.fullmatch(login):
        raise ValueError(
            f"{value!r} is not a login name (3–32 characters: a lower-case letter, "
            "then letters, digits, '.', '_' or '-')"
        )
    return login


def _interface(value: str) -> str:
    if any(char in value for char in "\r\n"):
        raise ValueError("an interface cannot contain a line break")
    if any(char in value for char in ",;"):
        raise ValueError("an interface cannot contain ',' or ';'")
    tech, slash, resource = value.strip().partition("/")
    interface = f"{TECHNOLOGIES.get(tech.lower(), tech)}{slash}{resource}"
    if not INTERFACE.fullmatch(interface):
        raise ValueError(
            f"{value!r} is not a phone interface (PJSIP, SIP, IAX2, Local or DAHDI, '/', "
            "then 1–60 letters, digits or @ . _ / -; e.g. PJSIP/6001)"
        )
    return interface


def _queue(value: str) -> str:
    if any(char in value for char in "\r\n"):
        raise ValueError("a queue name cannot contain a line break")
    queue = value.strip()
    if not QUEUE.fullmatch(queue):
        raise ValueError(f"{value!r} is not a queue name (1–64 letters, digits, '_' or '-')")
    return queue


def _as_input_error(check: Any, raw: str, what: str) -> str:
    try:
        result = check(raw)
    except ValueError as error:
        raise InvalidInputError(str(error), **{what: raw}) from None
    assert isinstance(result, str)
    return result


def login_name(raw: str) -> str:
    """A login name in canonical form (lower case) or :class:`InvalidInputError`."""
    return _as_input_error(_login, raw, "login")


def interface_name(raw: str) -> str:
    """A phone interface such as ``PJSIP/6001`` (canonical technology case), safe for AMI."""
    return _as_input_error(_interface, raw, "interface")


def queue_name(raw: str) -> str:
    """An ACD queue name, checked safe for AMI."""
    return _as_input_error(_queue, raw, "queue")


class _Input(BaseModel):
    # Not trimmed: a line break at either end is refused like one inside, never removed.
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueueMembership(_Input):
    """A queue a user answers and the penalty there (0 rings first, up to 100)."""

    queue: str
    penalty: int = Field(0, ge=0, le=MAX_PENALTY)

    @field_validator("queue", mode="before")
    @classmethod
    def _queue_name(cls, value: Any) -> Any:
        return _queue(value) if isinstance(value, str) else value


def queues_from_text(text: str) -> list[QueueMembership]:
    """Queues written as ``sales:0,support:2`` (a missing penalty is 0); empty text is none."""
    memberships: list[dict[str, Any]] = []
    for item in text.split(","):
        if not item.strip():
            continue
        name, colon, penalty = item.partition(":")
        if colon and not PENALTY.fullmatch(penalty.strip()):
            raise InvalidInputError(
                f"{item.strip()!r}: the penalty after ':' must be a whole number 0–{MAX_PENALTY}",
                queues=text,
            )
        memberships.append({"queue": name, "penalty": int(penalty) if colon else 0})
    return list(parse(UserFields, {"queues": memberships}).queues or [])


class UserFields(_Input):
    """Fields shared by creating and changing a user."""

    display_name: str | None = Field(None, min_length=1, max_length=100)
    role: Role | None = None
    extension: str | None = None
    interface: str | None = None
    queues: list[QueueMembership] | None = Field(None, max_length=MAX_QUEUES)

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        if value is not None and any(unicodedata.category(c).startswith("C") for c in value):
            raise ValueError("a display name cannot contain control characters")
        return value

    @field_validator("extension")
    @classmethod
    def _extension(cls, value: str | None) -> str | None:
        if value is not None and not EXTENSION.fullmatch(value):
            raise ValueError(f"{value!r} is not an extension (1–16 digits, '*' or '#')")
        return value

    @field_validator("interface", mode="before")
    @classmethod
    def _interface_name(cls, value: Any) -> Any:
        return _interface(value) if isinstance(value, str) else value

    @field_validator("queues")
    @classmethod
    def _distinct_queues(cls, value: list[QueueMembership] | None) -> list[QueueMembership] | None:
        if value is not None:
            names = [membership.queue for membership in value]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise ValueError(f"queue {repeated[0]!r} is given more than once")
        return value


class UserCreate(UserFields):
    """A new user; without a password they cannot log in until one is set."""

    login: str
    display_name: str = Field(min_length=1, max_length=100)
    role: Role

    @field_validator("login", mode="before")
    @classmethod
    def _login_name(cls, value: Any) -> Any:
        return _login(value) if isinstance(value, str) else value


class UserUpdate(UserFields):
    """Changes to a user; only the fields given change. ``extension`` / ``interface``
    given as ``None`` are cleared; ``queues`` replaces the whole list (``[]`` for none)."""

    @model_validator(mode="after")
    def _no_cleared_required_fields(self) -> UserUpdate:
        for name in ("display_name", "role", "queues"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


@dataclass(frozen=True)
class QueueMembershipView:
    """A user's membership of a queue."""

    queue: str
    penalty: int


@dataclass(frozen=True)
class UserView:
    """A member of staff as the other services see them (never their password hash)."""

    login: str
    display_name: str
    role: Role
    extension: str | None
    interface: str | None
    queues: tuple[QueueMembershipView, ...]
    active: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime

    def penalty_in(self, queue: str) -> int | None:
        """The user's penalty in ``queue``, or ``None`` if they are not a member."""
        return next((m.penalty for m in self.queues if m.queue == queue), None)


@dataclass(frozen=True)
class IssuedToken:
    """An API token just issued at login: the only time its plain text exists."""

    token: str = field(repr=False)
    expires_at: datetime
    user: UserView


def user_view(user: User) -> UserView:
    """The data object of a user whose queues are loaded."""
    return UserView(
        login=user.login,
        display_name=user.display_name,
        role=user.role,
        extension=user.extension,
        interface=user.interface,
        queues=tuple(QueueMembershipView(m.queue, m.penalty) for m in user.queues),
        active=user.active,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


__all__ = [
    "IssuedToken",
    "QueueMembership",
    "QueueMembershipView",
    "UserCreate",
    "UserFields",
    "UserUpdate",
    "UserView",
    "interface_name",
    "login_name",
    "queue_name",
    "queues_from_text",
    "user_view",
]
