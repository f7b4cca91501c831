"""Call control across nodes: a request about another Asterisk's call goes to its edge.

A call's id is its linked id, which names its Asterisk (``<systemname>-<epoch>.<seq>``).
On a gateway, :func:`forwarding_middleware` sends a request under ``/api/calls/{id}`` or
``/api/supervisor/calls/{id}`` whose call belongs to another Asterisk to that Asterisk's
control subject, by request/reply, and answers with the edge's response. The edge's
:class:`ControlResponder` serves it through its own API on loopback: the same
authentication (the token is checked against the shared database), ownership checks,
errors and audit rows as a console of its own, and one AMI action on its Asterisk.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from cti.cluster import subjects
from cti.cluster.connection import Bus, BusUnavailableError, NoAnswerInTimeError
from cti.http.errors import ApiError

log = logging.getLogger(__name__)

CALL_PATH = re.compile(r"^/api/(?:supervisor/)?calls/(?P<id>[^/]+)(?:/|$)")
FORWARDED_HEADERS = ("Authorization", "Content-Type", "Accept")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class EdgeUnreachableError(ApiError):
    """The call's Asterisk has no edge answering on the bus (stopped, or the bus is away)."""

    status: ClassVar[int] = 503
    error_id: ClassVar[str] = "telephony-unavailable"


class EdgeTooSlowError(ApiError):
    """The call's edge did not answer in time: the action may still have been carried out."""

    status: ClassVar[int] = 504
    error_id: ClassVar[str] = "edge-timeout"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def forwarding_middleware(*, bus: Bus, own_system: Callable[[], str | None]) -> Any:
    """The gateway's middleware: requests about another Asterisk's call go to its edge."""

    @web.middleware
    async def forward(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = CALL_PATH.match(request.path)
        owner = subjects.owner_of(match["id"]) if match else None
        if owner is None or owner == own_system():
            return await handler(request)
        return await forward_to(bus, owner, request)

    return forward


async def forward_to(bus: Bus, system: str, request: web.Request) -> web.Response:
    """Send ``request`` to the edge of Asterisk ``system``; its response."""
    asked = {
        "method": request.method,
        "path": request.raw_path,
        "headers": {h: request.headers[h] for h in FORWARDED_HEADERS if h in request.headers},
        "forwarded_for": request.remote or "",
        "body": _b64(await request.read()),
    }
    try:
        reply = await bus.request(subjects.control(system), json.dumps(asked).encode())
    except NoAnswerInTimeError as error:
        raise EdgeTooSlowError(
            f"the edge of Asterisk {system!r} did not answer in time; the action may still "
            "have been carried out: read the call again",
            asterisk=system,
        ) from error
    except BusUnavailableError as error:
        raise EdgeUnreachableError(
            f"the edge of Asterisk {system!r} did not answer", asterisk=system
        ) from error
    answer = json.loads(reply.data)
    return web.Response(
        status=int(answer["status"]),
        body=base64.b64decode(answer["body"]),
        content_type=answer.get("content_type") or None,
    )


class ControlResponder:
    """The edge's answerer of control requests for its Asterisk's calls."""

    def __init__(self, *, bus: Bus, system: str, api_url: Callable[[], str]) -> None:
        self._bus = bus
        self._system = system
        self._api_url = api_url
        self._http: aiohttp.ClientSession | None = None
        self._subscription: Subscription | None = None
        self._answering: set[asyncio.Task[None]] = set()
        self.answered = 0

    async def start(self) -> None:
        """Answer on the Asterisk's control subject."""
        self._http = aiohttp.ClientSession()
        subject = subjects.control(self._system)
        self._subscription = await self._bus.subscribe(subject, self._take, queue="edge")

    async def stop(self) -> None:
        """Stop answering; requests being answered finish first."""
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None
        if self._answering:
            await asyncio.gather(*self._answering, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _take(self, message: Msg) -> None:
        task = asyncio.create_task(self._answer(message))  # one slow action holds no other
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer(self, message: Msg) -> None:
        asked = json.loads(message.data)
        if self._http is None:
            return
        headers = dict(asked["headers"])
        headers["X-Forwarded-For"] = asked.get("forwarded_for", "")
        async with self._http.request(
            asked["method"], self._api_url() + asked["path"],
            data=base64.b64decode(asked["body"]), headers=headers,
        ) as response:  # fmt: skip
            body = await response.read()
            answer = {"status": response.status, "content_type": response.content_type,
                      "body": _b64(body)}  # fmt: skip
        await message.respond(json.dumps(answer).encode())
        self.answered += 1
        log.debug("answered %s %s for another node: %d", asked["method"], asked["path"],
                  answer["status"])  # fmt: skip


__all__ = [
    "CALL_PATH",
    "ControlResponder",
    "EdgeTooSlowError",
    "EdgeUnreachableError",
    "forwarding_middleware",
]
