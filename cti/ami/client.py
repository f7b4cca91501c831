"""`AmiClient`: the bridge's AMI connection that stays up — login, keep-alive, reconnect.

This is our own small asyncio client on `asyncio.open_connection`; panoramisk 1.4 is not
used at run time (it stays a dependency only as the parsing baseline of
``bench/ami_ingest.py``). Replacing it was simpler than guarding it, defect by defect:
- keep-alive: panoramisk sends Ping and never looks at the reply, so a half-open
  connection goes unnoticed. We await each Pong; none within `ping_timeout` means the
  connection is dead: we close it and reconnect;
- panoramisk's ``ping_delay=0`` hangs the first action. Our pinger is a separate task that
  starts after login and shares nothing with action sending, so there is no such mode;
- reconnect with capped exponential back-off; actions sent while offline fail at once
  with `AmiNotConnectedError` and pending ones with `AmiDisconnectedError`, never re-sent;
- status listeners hear ONLINE after each login and OFFLINE when a connection is lost
  ("telephony offline" for consoles); `on_connected` hooks run after each login (resync).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cti.ami.action import Action
from cti.ami.connection import AmiConnection, RawTap
from cti.ami.errors import AmiError, AmiLoginError, AmiNotConnectedError, AmiTimeoutError
from cti.ami.message import AmiList, AmiMessage
from cti.ami.subscription import DEFAULT_MAX_PENDING, EventCallback, Subscription
from cti.settings import AmiSettings

log = logging.getLogger(__name__)


class ConnectionStatus(enum.StrEnum):
    """Whether the service has a logged-in AMI connection."""

    ONLINE = "online"
    OFFLINE = "offline"


StatusListener = Callable[[ConnectionStatus, str], None]
ConnectedHook = Callable[["AmiClient"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between reconnect attempts: `initial` × `factor`ⁿ, capped at `maximum`, ± jitter."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.1

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt number `attempt` (0 = first)."""
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


class AmiClient:
    """Keeps one AMI session logged in, sends actions and fans events out to subscribers."""

    def __init__(
        self,
        settings: AmiSettings,
        *,
        ping_timeout: float | None = None,
        action_timeout: float = 10.0,
        backoff: Backoff | None = None,
        events: str = "on",
        on_raw: RawTap | None = None,
    ) -> None:
        self.settings = settings
        self.ping_timeout = ping_timeout if ping_timeout is not None else settings.connect_timeout
        self.action_timeout = action_timeout
        self.backoff = backoff or Backoff()
        self.events = events
        self.status = ConnectionStatus.OFFLINE
        self.connections_made = 0
        self.last_error = ""
        self._on_raw = on_raw
        self._connection: AmiConnection | None = None
        self._subscriptions: list[Subscription] = []
        self._status_listeners: list[StatusListener] = []
        self._connected_hooks: list[ConnectedHook] = []
        self._online = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._hook_tasks: set[asyncio.Task[None]] = set()

    @property
    def slowest_read_seconds(self) -> float:
        """Longest time the current connection's reader spent handling one read."""
        return self._connection.slowest_read_seconds if self._connection else 0.0

    # -- wiring ------------------------------------------------------------------------

    def subscribe(
        self, callback: EventCallback, *, name: str, max_pending: int = DEFAULT_MAX_PENDING
    ) -> Subscription:
        """Deliver every event (not list-action events) to `callback`, from its own task."""
        subscription = Subscription(
            callback, name=name, max_pending=max_pending, on_close=self._subscriptions.remove
        )
        self._subscriptions.append(subscription)
        return subscription

    def on_status(self, listener: StatusListener) -> None:
        """Call `listener(status, reason)` on every ONLINE/OFFLINE change."""
        self._status_listeners.append(listener)

    def on_connected(self, hook: ConnectedHook) -> None:
        """Run `hook(client)` after every successful login (the resync goes here)."""
        self._connected_hooks.append(hook)

    # -- life cycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting in the background; see `wait_online`."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._stay_connected(), name="ami-client")

    async def wait_online(self, within: float | None = None) -> None:
        """Wait until logged in; `AmiTimeoutError` (with the last error) after `within` s."""
        try:
            async with asyncio.timeout(within):
                await self._online.wait()
        except TimeoutError:
            detail = f": {self.last_error}" if self.last_error else ""
            raise AmiTimeoutError(
                f"AMI at {self.settings.host}:{self.settings.port} not online{detail}"
            ) from None

    async def stop(self) -> None:
        """Log off, close the connection, stop reconnecting and stop every subscription."""
        connection = self._connection
        if connection is not None and connection.is_open:
            with contextlib.suppress(AmiError):
                await connection.send(Action("Logoff"), answer_within=1.0)
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        for task in list(self._hook_tasks):
            task.cancel()
        for subscription in list(self._subscriptions):
            await subscription.close()

    # -- actions -----------------------------------------------------------------------

    async def send(self, action: Action, *, answer_within: float | None = None) -> AmiMessage:
        """Send `action`, return its response; never queued or re-sent across reconnects."""
        return await self._live().send(action, answer_within=answer_within or self.action_timeout)

    async def send_list(self, action: Action, *, answer_within: float | None = None) -> AmiList:
        """Send a list action (CoreShowChannels, QueueStatus…) and collect its events."""
        return await self._live().send_list(
            action, answer_within=answer_within or self.action_timeout
        )

    def _live(self) -> AmiConnection:
        connection = self._connection
        if connection is None or not connection.is_open or not self._online.is_set():
            raise AmiNotConnectedError("telephony offline: no AMI connection; nothing was sent")
        return connection

    # -- internals ---------------------------------------------------------------------

    def _fan_out(self, message: AmiMessage) -> None:
        for subscription in self._subscriptions:
            subscription.offer(message)

    def _set_status(self, status: ConnectionStatus, reason: str) -> None:
        if status is self.status:
            return
        self.status = status
        log.log(
            logging.INFO if status is ConnectionStatus.ONLINE else logging.WARNING,
            "telephony %s: %s",
            status,
            reason,
        )
        for listener in self._status_listeners:
            try:
                listener(status, reason)
            except Exception:
                log.exception("telephony status listener failed")

    async def _connect(self) -> AmiConnection:
        secret = self.settings.secret
        if secret is None:
            raise AmiLoginError("no AMI secret configured: set CTIDESK_AMI_SECRET")
        async with asyncio.timeout(self.settings.connect_timeout):
            connection = await AmiConnection.open(
                self.settings.host, self.settings.port, on_event=self._fan_out, on_raw=self._on_raw
            )
            try:
                await connection.login(
                    self.settings.username, secret.get_secret_value(), events=self.events
                )
            except BaseException:
                connection.close()
                raise
        return connection

    async def _stay_connected(self) -> None:
        attempt = 0
        try:
            while True:
                try:
                    connection = await self._connect()
                except (OSError, TimeoutError, AmiError) as error:
                    self.last_error = str(error) or type(error).__name__
                    self._set_status(ConnectionStatus.OFFLINE, self.last_error)
                    delay = self.backoff.delay(attempt)
                    attempt += 1
                    log.warning(
                        "AMI connect failed (%s); retrying in %.1f s", self.last_error, delay
                    )
                    await asyncio.sleep(delay)
                    continue
                attempt = 0
                reason = await self._serve(connection)
                self.last_error = reason
                self._set_status(ConnectionStatus.OFFLINE, reason)
                await asyncio.sleep(self.backoff.delay(0))
        finally:
            self._online.clear()
            connection_now, self._connection = self._connection, None
            if connection_now is not None:
                connection_now.close()
                await connection_now.wait_closed()

    async def _serve(self, connection: AmiConnection) -> str:
        """Run one logged-in connection until it dies; return why."""
        self._connection = connection
        self.connections_made += 1
        self._online.set()
        self._set_status(
            ConnectionStatus.ONLINE, f"logged in to Asterisk (AMI {connection.version})"
        )
        for hook in self._connected_hooks:
            task = asyncio.create_task(self._run_hook(hook), name="ami-on-connected")
            self._hook_tasks.add(task)
            task.add_done_callback(self._hook_tasks.discard)
        pinger = asyncio.create_task(self._keep_alive(connection), name="ami-keep-alive")
        try:
            reason = await asyncio.shield(connection.closed)
        finally:
            self._online.clear()
            self._connection = None
            pinger.cancel()
            connection.close()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            await connection.wait_closed()
        if isinstance(reason, _DeadConnection):
            return str(reason)
        return f"AMI connection lost ({reason or 'closed by Asterisk'})"

    async def _keep_alive(self, connection: AmiConnection) -> None:
        while connection.is_open:
            await asyncio.sleep(self.settings.ping_interval)
            try:
                await connection.send(Action("Ping"), answer_within=self.ping_timeout)
            except AmiTimeoutError:
                log.error("no Pong within %.1f s: AMI connection is dead", self.ping_timeout)
                connection.abort(
                    _DeadConnection(f"no reply to Ping within {self.ping_timeout:g} s")
                )
                return
            except AmiError:
                return

    async def _run_hook(self, hook: ConnectedHook) -> None:
        try:
            await hook(self)
        except AmiError as error:
            log.error("AMI on-connected hook failed: %s", error)
        except Exception:
            log.exception("AMI on-connected hook failed")


class _DeadConnection(Exception):
    """The keep-alive found the connection dead."""
