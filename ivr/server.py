"""Our asyncio FastAGI server, on asyncio streams.

It replaces panoramisk 1.4's FastAGI, which has two defects we cannot ship: its
connection handler reads the AGI environment with ``while b'\\n\\n' not in buffer:
buffer += await reader.read(...)``, so a client that disconnects early makes ``read``
return ``b''`` at once, forever, and the loop spins without yielding — every caller and
every console of the process freezes; and its ``add_route`` wraps handlers in
``asyncio.coroutine``, which Python 3.11 removed. Here end-of-stream ends the session
(tests/ivr/test_agi_server.py holds the regression tests for both).

Routes are the path of ``agi://host:port/PATH``: ``AGI(agi://127.0.0.1:4573/points)``
runs the flow registered as ``points``.

With a shared secret configured, Asterisk proves it knows the secret before any flow runs,
without the secret ever travelling or showing: the server sends a fresh random challenge
as ``GET FULL VARIABLE ${SHA1(<challenge>${AST_CONFIG(ctidesk_agi.conf,agi,secret)})}``
and compares the digest with its own. The secret is read by Asterisk from its own
``ctidesk_agi.conf``: it is in no dialplan argument (``Newexten`` AppData, the verbose
log), no channel variable (``VarSet``), and the digest of one challenge is worthless for
the next. A wrong or missing answer closes the session before any flow runs, as does a
session over ``max_sessions``: the dialplan then goes on as when no IVR answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import inspect
import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping

from ivr.agi import (
    MAX_ENV_LINES,
    MAX_LINE,
    AgiEnvironment,
    AgiHangup,
    AgiProtocolError,
    parse_environment_line,
)
from ivr.session import AgiSession

log = logging.getLogger(__name__)
Flow = Callable[[AgiSession], Awaitable[None]]
SECRET_SOURCE = "AST_CONFIG(ctidesk_agi.conf,agi,secret)"  # noqa: S105 (where, not what)
"""Where Asterisk reads the shared secret: ``[agi] secret`` of its ``ctidesk_agi.conf``."""


def challenge_command(challenge: str) -> str:
    """The expression Asterisk evaluates to answer ``challenge``: SHA-1 of it and the secret."""
    return "${SHA1(" + challenge + "${" + SECRET_SOURCE + "})}"


def challenge_answer(challenge: str, secret: str) -> str:
    """The digest only a holder of ``secret`` can give for ``challenge`` (hex, lower case)."""
    # SHA1() is the digest Asterisk's dialplan offers; with a fresh random challenge and
    # the secret behind it, an answer proves knowledge of the secret and reveals nothing.
    return hashlib.sha1((challenge + secret).encode()).hexdigest()  # noqa: S324


def _loopback(host: str) -> str:
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the FastAGI server binds to loopback only, not {host!r}")


class AgiServer:
    """Serves FastAGI sessions: one flow per connection, chosen by the request path."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 4573,
        secret: str | None = None,
        routes: Mapping[str, Flow] | None = None,
        environment_timeout: float = 5.0,
        command_timeout: float = 10.0,
        max_sessions: int | None = None,
    ) -> None:
        if max_sessions is not None and max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, not {max_sessions}")
        self.host = _loopback(host)
        self._port = port
        self._secret = secret or None
        self.max_sessions = max_sessions
        self._routes: dict[str, Flow] = {}
        self._environment_timeout = environment_timeout
        self._command_timeout = command_timeout
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.completed = 0
        self.hung_up = 0
        self.failed = 0
        self.refused = 0
        self.over_capacity = 0
        self._ended = asyncio.Condition()
        for path, flow in (routes or {}).items():
            self.add_route(path, flow)

    def add_route(self, path: str, flow: Flow) -> None:
        """Serve ``flow`` (an ``async def`` taking the session) at ``agi://…/path``."""
        if not inspect.iscoroutinefunction(flow) and not inspect.iscoroutinefunction(
            getattr(flow, "func", None)
        ):
            raise TypeError(f"the flow for {path!r} must be an async function")
        name = path.strip("/")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"route {path!r} must be a plain name such as 'points'")
        self._routes[name] = flow

    @property
    def routes(self) -> list[str]:
        """The route names served."""
        return sorted(self._routes)

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked for)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the FastAGI server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active(self) -> int:
        """Sessions in progress."""
        return len(self._sessions)

    async def start(self) -> None:
        """Listen on the loopback address and port."""
        self._server = await asyncio.start_server(
            self._accept, self.host, self._port, limit=MAX_LINE * 2
        )
        log.info("FastAGI serving %s on %s:%d", ", ".join(self.routes), self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and end the sessions in progress."""
        if self._server is not None:
            self._server.close()
        for task in list(self._sessions):
            task.cancel()
        if self._sessions:
            await asyncio.gather(*self._sessions, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    @property
    def ended(self) -> int:
        """Sessions over, whatever their outcome."""
        return self.completed + self.hung_up + self.failed + self.refused

    async def wait_ended(self, count: int) -> None:
        """Wait until ``count`` sessions in all have ended (tests and benchmarks)."""
        async with self._ended:
            await self._ended.wait_for(lambda: self.ended >= count)

    async def wait_idle(self) -> None:
        """Wait until no session is in progress (tests and shutdown)."""
        while self._sessions:
            await asyncio.gather(*list(self._sessions), return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._sessions.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            async with self._ended:
                self._ended.notify_all()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            environment = await read_environment(reader, self._environment_timeout)
        except (AgiHangup, AgiProtocolError, TimeoutError) as error:
            self.refused += 1
            log.info("FastAGI connection dropped before a flow started: %s", error)
            return
        if self.max_sessions is not None and len(self._sessions) > self.max_sessions:
            self.refused += 1
            self.over_capacity += 1
            log.warning(
                "FastAGI request refused: %d sessions already (max_sessions)", self.max_sessions
            )
            return
        flow = self._routes.get(environment.script)
        if flow is None:
            self.refused += 1
            log.warning("FastAGI request refused: no route %r", environment.script)
            return
        session = AgiSession(reader, writer, environment, command_timeout=self._command_timeout)
        if not await self._authorised(session):
            self.refused += 1
            log.warning("FastAGI request refused: bad secret for %r", environment.script)
            return
        try:
            await flow(session)
        except AgiHangup:
            self.hung_up += 1
            log.debug("caller hung up during %s", environment.script)
        except AgiProtocolError as error:
            self.failed += 1
            log.error("FastAGI flow %s stopped: %s", environment.script, error)
        except Exception:
            self.failed += 1
            log.exception("FastAGI flow %s failed", environment.script)
        else:
            self.completed += 1

    async def _authorised(self, session: AgiSession) -> bool:
        """Whether the peer answers a fresh challenge with the shared secret (see above)."""
        if self._secret is None:
            return True
        challenge = secrets.token_hex(16)
        try:
            reply = await session.command("GET FULL VARIABLE", challenge_command(challenge))
        except (AgiHangup, AgiProtocolError) as error:
            log.info("FastAGI challenge not answered: %s", error)
            return False
        given = (reply.data or "").strip().lower().encode()
        return hmac.compare_digest(given, challenge_answer(challenge, self._secret).encode())


async def read_environment(reader: asyncio.StreamReader, within: float) -> AgiEnvironment:
    """The ``agi_*`` block up to its blank line; :class:`AgiHangup` if the client goes first."""
    values: dict[str, str] = {}
    async with asyncio.timeout(within):
        while True:
            try:
                raw = await reader.readline()
            except (ConnectionError, ValueError) as error:
                raise AgiProtocolError(f"unreadable AGI environment: {error}") from None
            if not raw:
                raise AgiHangup("the client disconnected before the environment ended")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                return AgiEnvironment(values)
            if len(values) >= MAX_ENV_LINES:
                raise AgiProtocolError("AGI environment too long")
            name, value = parse_environment_line(line)
            values[name] = value
