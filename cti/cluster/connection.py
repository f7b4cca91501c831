"""The node's one NATS connection: ordered publishing that never blocks, subscriptions,
requests, and what happens when the bus goes away and comes back.

``publish`` only queues (bounded): one task writes the queue out in order, so a domain
pushing never waits on the network. A full queue drops the message and counts it: live
events are at-most-once, and a console that misses one resyncs over REST. The client
reconnects forever; each change of state is one log line and is told to the listeners
(the gateway tells its consoles).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats import connect
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import SlowConsumerError

from cti.settings import NatsSettings

log = logging.getLogger(__name__)

Handler = Callable[[Msg], Awaitable[None]]
StatusListener = Callable[[bool], None]
"""Told True when the bus is reachable again, False when it is lost."""


class BusUnavailableError(Exception):
    """The bus could not be reached (at start), or nobody answers a request's subject."""


class NoAnswerInTimeError(BusUnavailableError):
    """A request's answerer exists but did not answer in time: it may still act on it."""


class Bus:
    """One NATS connection of one node; ``start`` then ``stop``."""

    def __init__(self, *, settings: NatsSettings, node: str) -> None:
        self.settings = settings
        self.node = node
        self._client: Client | None = None
        self._outbox: asyncio.Queue[tuple[str, bytes, dict[str, str] | None]] = asyncio.Queue(
            settings.publish_queue
        )
        self._writer: asyncio.Task[None] | None = None
        self._listeners: list[StatusListener] = []
        self._gap_listeners: list[Callable[[], None]] = []
        self.slow_consumer_cuts = 0
        self.online = False
        self._closing = False
        self.published = 0
        self.dropped = 0

    @property
    def client(self) -> Client:
        """The connected NATS client."""
        if self._client is None:
            raise BusUnavailableError("the bus is not started")
        return self._client

    def on_status(self, listener: StatusListener) -> None:
        """Call ``listener(online)`` each time the bus is lost or reached again."""
        self._listeners.append(listener)

    def on_gap(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` when live messages to this node were lost: the server cut
        some (slow consumer) or a subscriber found one missing (:meth:`report_gap`)."""
        self._gap_listeners.append(listener)

    def report_gap(self) -> None:
        """A subscriber found a message missing: tell the gap listeners."""
        for listener in self._gap_listeners:
            listener()

    async def start(self) -> None:
        """Connect (a clear error when no server answers), then reconnect forever."""
        servers = self.settings.servers()
        try:
            self._client = await connect(
                servers, name=self.node, connect_timeout=round(self.settings.connect_timeout) or 1,
                reconnect_time_wait=1, max_reconnect_attempts=-1, allow_reconnect=True,
                disconnected_cb=self._lost, reconnected_cb=self._back, error_cb=self._failed,
            )  # fmt: skip
        except (OSError, NatsError, TimeoutError) as error:
            raise BusUnavailableError(
                f"cannot reach the NATS bus at {', '.join(servers)} (nats.url): {error}"
            ) from None
        self.online = True
        self._writer = asyncio.create_task(self._write_forever(), name="bus-publisher")
        log.info("node %s on the bus at %s", self.node, self._where())

    def publish(self, subject: str, payload: bytes, headers: dict[str, str] | None = None) -> bool:
        """Queue ``payload`` for ``subject``; False (and counted) when the queue is full."""
        try:
            self._outbox.put_nowait((subject, payload, headers))
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    async def subscribe(self, subject: str, handler: Handler, *, queue: str = "") -> Subscription:
        """Hand every message on ``subject`` to ``handler``, in order, from one task."""
        return await self.client.subscribe(subject, queue=queue, cb=self._guarded(handler))

    async def request(
        self, subject: str, payload: bytes, *, answer_within: float | None = None
    ) -> Msg:
        """Send a request and wait for the one answer: :class:`BusUnavailableError` when
        nobody listens, :class:`NoAnswerInTimeError` when the answer does not come in time."""
        within = answer_within or self.settings.request_timeout
        await self.flush()
        try:
            return await self.client.request(subject, payload, timeout=within)
        except TimeoutError:  # nats' own TimeoutError is an asyncio.TimeoutError too
            raise NoAnswerInTimeError(f"no answer on {subject} within {within:g} s") from None
        except NatsError as error:
            raise BusUnavailableError(f"nobody answers on {subject}: {error}") from None

    async def flush(self) -> None:
        """Wait until every message queued so far has been handed to the server."""
        await self._outbox.join()
        if self._client is not None and self._client.is_connected:
            await self._client.flush(timeout=round(self.settings.request_timeout) or 1)

    async def stop(self) -> None:
        """Publish what is queued (bounded by the request timeout), then close."""
        client = self._client
        if client is None:
            return
        self._closing = True
        with contextlib.suppress(TimeoutError, NatsError):
            async with asyncio.timeout(self.settings.request_timeout):
                await self._outbox.join()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        with contextlib.suppress(NatsError, TimeoutError):
            await client.drain()
        self._client = None
        self.online = False

    async def _write_forever(self) -> None:
        while True:
            subject, payload, headers = await self._outbox.get()
            try:
                await self.client.publish(subject, payload, headers=headers)
                self.published += 1
            except (NatsError, BusUnavailableError) as error:
                self.dropped += 1
                log.debug("dropped a message for %s: %s", subject, error)
            finally:
                self._outbox.task_done()

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(message: Msg) -> None:
            try:
                await handler(message)
            except Exception:  # one bad message must not end the subscription
                log.exception("handling a message on %s failed", message.subject)

        return guarded

    def _tell(self, online: bool) -> None:
        self.online = online
        for listener in self._listeners:
            listener(online)

    def _where(self) -> str:
        url = self._client.connected_url if self._client is not None else None
        return url.geturl() if url is not None else "(none)"

    async def _lost(self) -> None:
        if self._closing:
            return
        log.warning("node %s lost the NATS bus; reconnecting", self.node)
        self._tell(False)

    async def _back(self) -> None:
        log.warning("node %s is back on the NATS bus at %s", self.node, self._where())
        self._tell(True)

    async def _failed(self, error: Exception) -> None:
        log.warning("NATS bus error on node %s: %s", self.node, error)
        if isinstance(error, SlowConsumerError):
            self.slow_consumer_cuts += 1
            self.report_gap()


__all__ = ["Bus", "BusUnavailableError", "Handler", "NoAnswerInTimeError", "StatusListener"]
