"""What a REST route is, what its handler is given, and the service's own routes.

Each :class:`Route` declares its method, path, who may call it, what it takes and what
it returns; the app registers handlers from it and the OpenAPI document is generated
from it. A handler returns a data object; the route's serialiser turns it into JSON.
Each domain declares its routes in its own ``http`` module; the ones here (login,
logout, users, this document) belong to no domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.http import serialisers as out
from cti.http.auth import STAFF, SUPERVISORS
from cti.http.hub import WebSocketHub
from cti.http.limits import ReadLimit
from cti.http.parsing import json_body
from cti.http.schemas import LoginBody, LoginResult, UserList
from cti.http.serialisers import Serialiser

T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    """What the handlers call, built once by the app factory."""

    crm: Crm
    hub: WebSocketHub
    member_reads: ReadLimit
    """Each user's budget of member-record reads (``take(login)`` before each read)."""


@dataclass(frozen=True)
class Caller:
    """The request being served and the user who sent it (``None`` on public routes)."""

    request: web.Request
    user: UserView | None
    token: str | None = field(default=None, repr=False)

    @property
    def staff(self) -> UserView:
        """The authenticated user of a route that requires a token."""
        assert self.user is not None, "only routes with roles have a user"
        return self.user


OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict[str, Any])
Handler = Callable[[Services, Caller], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    """One REST route: the handler and everything the OpenAPI document says about it."""

    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[Role] | None
    response: Serialiser[Any] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: Collection[int] = ()
    media_type: str | None = None
    """For routes that answer with a file (the handler returns a ``web.StreamResponse``)."""

    @property
    def public(self) -> bool:
        """Whether the route needs no token."""
        return self.roles is None


async def login(services: Services, caller: Caller) -> LoginResult:
    """Check a login and password; issue a token.

    The address counted by the login throttle is the connection's peer, never a header
    the client could set (behind a reverse proxy every login shares the proxy's).
    """
    body = await json_body(caller.request, LoginBody)
    issued = await services.crm.users.login(
        body.username, body.password, address=caller.request.remote
    )
    return LoginResult(issued.token, issued.expires_at, issued.user.role.value, issued.user)


async def logout(services: Services, caller: Caller) -> None:
    """Revoke the token the request carries."""
    assert caller.token is not None
    await services.crm.users.revoke(caller.token)


async def openapi(services: Services, caller: Caller) -> dict[str, Any]:
    """This document."""
    return caller.request.app[OPENAPI_DOCUMENT]


async def list_users(services: Services, caller: Caller) -> UserList:
    """Staff users by login (supervisors and admins)."""
    return UserList(await services.crm.users.list())


def call_id_of(caller: Caller) -> str:
    """The call id (Asterisk's linked id) of a ``/api/calls/{id}/…`` path."""
    return caller.request.match_info["id"]


def on_call(name: str, action: Callable[[UserView, str], Awaitable[T]]) -> Handler:
    """A handler that runs ``action(user, call id from the path)``; ``name`` is its operation id."""

    async def handler(_services: Services, caller: Caller) -> T:
        return await action(caller.staff, call_id_of(caller))

    handler.__name__ = handler.__qualname__ = name
    return handler


BAD = (400, 422)
"""The statuses of a malformed body or query (400) and a refused one (422)."""
ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/login", login, "Log in: a token for the Authorization header",
          roles=None, body=LoginBody, response=out.LOGIN, errors=(400, 401, 429, 503)),
    Route("POST", "/api/logout", logout, "Revoke this request's token", roles=STAFF),
    Route("GET", "/api/users", list_users, "Staff users (supervisors and admins)",
          roles=SUPERVISORS, response=out.USER_LIST),
    Route("GET", "/api/openapi.json", openapi, "This OpenAPI document", roles=None,
          response=out.OPENAPI),
)  # fmt: skip

__all__ = [
    "BAD",
    "OPENAPI_DOCUMENT",
    "ROUTES",
    "Caller",
    "Handler",
    "Route",
    "Services",
    "call_id_of",
    "on_call",
]
