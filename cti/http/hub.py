"""The WebSocket hub: per-user console connections and the pushes other parts make.

A client authenticates with its first message, ``{"type": "authenticate", "token":
"..."}``, within ``auth_timeout`` seconds: browsers cannot set headers on a WebSocket,
and a token in the URL would end up in access logs. The server answers
``session_ready`` or closes with code 4401.

Pushing never waits on a client: each connection has a bounded send queue drained by
its own writer task. A client that falls ``queue_size`` messages behind is dropped and
closed with code 1013 ("try again later"); the console reconnects and resyncs over
REST. aiohttp's heartbeat pings every ``heartbeat`` seconds and closes a connection
whose pong does not come back. Every ``recheck`` seconds the token is checked again: a
console whose token expired or was revoked (logout, user disabled) is closed with 4401,
and a changed role takes effect for the broadcasts by role. A check that fails for
another reason (the database down) is logged and made again at the next tick: the
schedule never stops while the console is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from crm_core.errors import CrmError
from crm_core.staff.schemas import UserView
from cti.protocol import (
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
    Authenticate,
    Message,
    ProtocolError,
    SessionReady,
    from_json,
    to_json,
)

log = logging.getLogger(__name__)

Authenticator = Callable[[str], Awaitable[UserView]]
Watcher = Callable[[str, str], None]
"""Told ``(login, role)`` after a console of that user opened or closed."""


@dataclass(eq=False)
class Connection:
    """One open console WebSocket of one user."""

    login: str
    role: str
    socket: web.WebSocketResponse
    outbox: asyncio.Queue[str]
    writer: asyncio.Task[None] | None = field(default=None, repr=False)
    token: str = field(default="", repr=False)
    dropped: bool = False


class WebSocketHub:
    """Open console connections by user; ``send_to_user`` and ``broadcast`` never block."""

    def __init__(
        self,
        *,
        authenticate: Authenticator,
        queue_size: int = 256,
        heartbeat: float = 20.0,
        auth_timeout: float = 5.0,
        recheck: float = 60.0,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._authenticate = authenticate
        self.queue_size = queue_size
        self.heartbeat = heartbeat
        self.auth_timeout = auth_timeout
        self.recheck = recheck
        self._by_login: dict[str, set[Connection]] = {}
        self._closing: set[asyncio.Task[bool]] = set()
        self._watchers: list[Watcher] = []

    # -- pushing ---------------------------------------------------------------------
    def send_to_user(self, login: str, message: Message) -> int:
        """Queue ``message`` for every console ``login`` has open; how many will get it."""
        connections = list(self._by_login.get(login, ()))
        if not connections:
            return 0
        text = to_json(message)
        return sum(self._enqueue(connection, text) for connection in connections)

    def broadcast(self, message: Message, *, roles: Collection[str] | None = None) -> int:
        """Queue ``message`` for every console (of users with one of ``roles``, if given)."""
        return self.broadcast_text(to_json(message), roles=roles)

    def connections_of(self, login: str) -> int:
        """How many consoles ``login`` has open."""
        return len(self._by_login.get(login, ()))

    def send_text_to_user(self, login: str, text: str) -> int:
        """Queue an already encoded message for every console of ``login`` (from the bus)."""
        return sum(self._enqueue(c, text) for c in list(self._by_login.get(login, ())))

    def broadcast_text(self, text: str, *, roles: Collection[str] | None = None) -> int:
        """Queue an already encoded message for every console (of ``roles``, if given)."""
        return sum(
            self._enqueue(connection, text)
            for connections in list(self._by_login.values())
            for connection in list(connections)
            if roles is None or connection.role in roles
        )

    def consoles(self) -> dict[str, int]:
        """Open consoles by login."""
        return {login: len(connections) for login, connections in self._by_login.items()}

    def roles(self) -> frozenset[str]:
        """The roles of the users with a console open."""
        return frozenset(c.role for cs in self._by_login.values() for c in cs)

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher(login, role)`` after each console opens or closes (it must not block)."""
        self._watchers.append(watcher)

    def _changed(self, connection: Connection) -> None:
        for watcher in self._watchers:
            watcher(connection.login, connection.role)

    def _enqueue(self, connection: Connection, text: str) -> bool:
        if connection.dropped:
            return False
        try:
            connection.outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("dropping %s's console: %d messages behind", connection.login,
                        self.queue_size)  # fmt: skip
            self._drop(connection, CLOSE_TOO_SLOW, "too slow: reconnect and resync")
            return False
        return True

    def _drop(self, connection: Connection, code: int, reason: str) -> None:
        connection.dropped = True
        self._forget(connection)
        if connection.writer is not None:
            connection.writer.cancel()
        task = asyncio.get_running_loop().create_task(
            connection.socket.close(code=code, message=reason.encode())
        )
        self._closing.add(task)
        task.add_done_callback(self._finished_closing)

    def _finished_closing(self, task: asyncio.Task[bool]) -> None:
        self._closing.discard(task)

    def _forget(self, connection: Connection) -> None:
        connections = self._by_login.get(connection.login)
        if connections is not None and connection in connections:
            connections.discard(connection)
            if not connections:
                del self._by_login[connection.login]
            self._changed(connection)

    # -- serving ---------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one console WebSocket from authentication to close."""
        socket = web.WebSocketResponse(heartbeat=self.heartbeat)
        await socket.prepare(request)
        first = await self._first_message(socket)
        if first is None:
            return socket
        user, token = first
        connection = Connection(user.login, user.role.value, socket, asyncio.Queue(self.queue_size))
        connection.token = token
        self._by_login.setdefault(user.login, set()).add(connection)
        connection.outbox.put_nowait(to_json(SessionReady(user.login, user.role.value)))
        self._changed(connection)
        connection.writer = asyncio.get_running_loop().create_task(self._write(connection))
        checker = asyncio.get_running_loop().create_task(self._recheck_forever(connection))
        try:
            async for incoming in socket:
                if incoming.type is WSMsgType.ERROR:
                    break
        finally:
            self._forget(connection)
            checker.cancel()
            connection.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connection.writer
        return socket

    async def _recheck_forever(self, connection: Connection) -> None:
        """Close the console once its token stops being valid; follow its user's role."""
        while not connection.dropped:
            await asyncio.sleep(self.recheck)
            try:
                user = await self._authenticate(connection.token)
            except CrmError as error:
                log.info("closing %s's console: %s", connection.login, error)
                self._drop(connection, CLOSE_UNAUTHORIZED, str(error)[:120])
                return
            except Exception:  # the database failing is no reason to stop checking
                log.warning(
                    "could not re-check %s's token; again in %g s", connection.login,
                    self.recheck, exc_info=True,
                )  # fmt: skip
                continue
            connection.role = user.role.value

    async def _first_message(self, socket: web.WebSocketResponse) -> tuple[UserView, str] | None:
        try:
            incoming = await socket.receive(timeout=self.auth_timeout)
        except TimeoutError:
            await socket.close(code=CLOSE_UNAUTHORIZED, message=b"authenticate first")
            return None
        if incoming.type is not WSMsgType.TEXT:
            await socket.close(code=CLOSE_UNAUTHORIZED, message=b"authenticate first")
            return None
        try:
            message = from_json(incoming.data)
            if not isinstance(message, Authenticate):
                raise ProtocolError("the first message must be 'authenticate'")
            return await self._authenticate(message.token), message.token
        except (ProtocolError, CrmError) as error:
            reason = str(error)[:120]
            await socket.close(code=CLOSE_UNAUTHORIZED, message=reason.encode())
            return None

    async def _write(self, connection: Connection) -> None:
        while True:
            text = await connection.outbox.get()
            try:
                await connection.socket.send_str(text)
            except ConnectionError:
                self._forget(connection)
                return

    async def close(self) -> None:
        """Close every console connection (service shutdown)."""
        for connections in list(self._by_login.values()):
            for connection in list(connections):
                self._drop(connection, 1001, "service stopping")
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


__all__ = ["Authenticator", "Connection", "Watcher", "WebSocketHub"]
