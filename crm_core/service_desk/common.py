"""Helpers the service-desk services share: public numbers, users, queues, history, money."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.service_desk.exceptions import (
    RoleNotAllowedError,
    UnknownQueueError,
    UnknownUserError,
)
from crm_core.service_desk.models import ServiceChange, ServiceQueue, ServiceRequest
from crm_core.staff.models import Role, User

REQUEST_PREFIX, WORK_ORDER_PREFIX = "SR", "WO"
_NUMBER = re.compile(r"^(SR|WO)-(\d{1,10})$")
CONFIGURERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
HISTORY_TEXT = 4000


def public_number(prefix: str, row_id: int) -> str:
    """``SR-00000012`` for request 12, ``WO-00000003`` for work order 3."""
    return f"{prefix}-{row_id:08d}"


def parse_number(prefix: str, raw: str) -> int:
    """The row id behind a public number, or :class:`InvalidInputError`."""
    match = _NUMBER.match(raw.strip().upper()) if isinstance(raw, str) else None
    if match is None or match.group(1) != prefix or int(match.group(2)) == 0:
        raise InvalidInputError(
            f"{raw!r} is not a {prefix}- number (e.g. {public_number(prefix, 1)})", number=raw
        )
    value = int(match.group(2))
    if value >= 2**31:
        raise NotFoundError(f"no {prefix}-{value:08d}", number=raw)
    return value


def load_user(session: Session, login: str, *, roles: Collection[Role] | None = None) -> User:
    """An active user by login; :class:`RoleNotAllowedError` if their role is not in ``roles``."""
    user = (
        session.scalars(select(User).where(User.login == login)).one_or_none()
        if isinstance(login, str) and login
        else None
    )
    if user is None or not user.active:
        raise UnknownUserError(f"no active user {login!r}", login=login)
    if roles is not None and user.role not in roles:
        raise RoleNotAllowedError(
            f"{login} is {user.role.value}: only {', '.join(sorted(r.value for r in roles))}"
            " may do this",
            login=login,
            role=user.role.value,
        )
    return user


def load_queue(session: Session, name: str) -> ServiceQueue:
    """An active service queue by name, or :class:`UnknownQueueError`."""
    queue = session.scalars(select(ServiceQueue).where(ServiceQueue.name == name)).one_or_none()
    if queue is None or not queue.active:
        raise UnknownQueueError(f"no active service queue {name!r}", queue=name)
    return queue


def login_of(session: Session, user_id: int | None) -> str | None:
    """The login of a user id (None for None)."""
    return None if user_id is None else session.scalar(select(User.login).where(User.id == user_id))


def queue_name_of(session: Session, queue_id: int | None) -> str | None:
    """The name of a queue id (None for None)."""
    if queue_id is None:
        return None
    return session.scalar(select(ServiceQueue.name).where(ServiceQueue.id == queue_id))


def lock_request(session: Session, request_id: int) -> ServiceRequest:
    """The request, locked for this transaction (PostgreSQL; SQLite writes are serial)."""
    request = session.scalars(
        select(ServiceRequest).where(ServiceRequest.id == request_id).with_for_update()
    ).one_or_none()
    if request is None:
        raise NotFoundError(
            f"no service request {public_number(REQUEST_PREFIX, request_id)}",
            number=public_number(REQUEST_PREFIX, request_id),
        )
    return request


def as_text(value: object) -> str | None:
    """How a value is written in the history."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.utcoffset() is not None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:HISTORY_TEXT]


def record(
    session: Session,
    request_id: int,
    field: str,
    old: object,
    new: object,
    *,
    by: str,
    at: datetime,
    reason: str | None = None,
    work_order_id: int | None = None,
) -> None:
    """Add one history entry."""
    session.add(
        ServiceChange(
            request_id=request_id,
            work_order_id=work_order_id,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
            reason=reason,
            changed_by=by,
            changed_at=at,
        )
    )


def cents(amount: Decimal | None) -> int | None:
    """Currency units (two decimals at most, already validated) as integer cents."""
    return None if amount is None else int(amount * 100)


def money_text(amount_cents: int | None) -> str | None:
    """Cents as ``12.50`` for the history."""
    return None if amount_cents is None else f"{Decimal(amount_cents) / 100:.2f}"


def row_id(value: object, name: str) -> int:
    """A positive integer id given by a caller, or :class:`InvalidInputError`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise InvalidInputError(f"{name} must be a positive whole number", **{name: value})
    return value
