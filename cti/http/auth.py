"""Bearer-token authentication and role checks for the REST routes."""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web

from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from cti.http.errors import ForbiddenError, MissingTokenError

STAFF = frozenset(Role)
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def bearer_token(request: web.Request) -> str:
    """The token of an ``Authorization: Bearer TOKEN`` header, or :class:`MissingTokenError`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingTokenError("send the token from /api/login as 'Authorization: Bearer TOKEN'")
    return token.strip()


def require_role(user: UserView, roles: Collection[Role]) -> None:
    """Nothing if ``user`` has one of ``roles``; :class:`ForbiddenError` otherwise."""
    if user.role not in roles:
        raise ForbiddenError(
            f"a {user.role.value} may not do this",
            role=user.role.value,
            allowed=sorted(role.value for role in roles),
        )


__all__ = ["STAFF", "SUPERVISORS", "bearer_token", "require_role"]
