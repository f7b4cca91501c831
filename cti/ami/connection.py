"""One live AMI session over `asyncio.open_connection`: banner, login, actions, reader task.

We *replace* panoramisk's ``AMIProtocol``/``Manager`` pair rather than wrap it:
- pending actions live in the connection and die with it. When it closes, every one fails
  with `AmiDisconnectedError` and nothing is re-sent (panoramisk re-sends them after
  reconnect, so an ``Originate`` can ring a phone twice);
- the reader task only reads, parses and hands over: it resolves action futures and calls
  `on_event`, which must not block (the client puts events on per-subscriber queues).
  Asterisk drops a manager client that does not read for 100 ms (``writetimeout``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable

from cti.ami.action import Action
from cti.ami.errors import (
    AmiActionError,
    AmiDisconnectedError,
    AmiLoginError,
    AmiProtocolError,
    AmiTimeoutError,
)
from cti.ami.framing import BANNER_PREFIX, FrameParser
from cti.ami.message import AmiList, AmiMessage

log = logging.getLogger(__name__)

READ_SIZE = 65536
# Asterisk's manager writetimeout is 100 ms; warn well before a read's handling nears it.
SLOW_READ_SECONDS = 0.02
EventHandler = Callable[[AmiMessage], None]
RawTap = Callable[[bytes], None]
_connection_numbers = itertools.count(1)


class _Pending:
    """An action waiting for its answer; a list action also collects its events."""

    __slots__ = ("action", "events", "future", "is_list", "response")

    def __init__(self, action: Action, *, is_list: bool) -> None:
        self.action = action
        self.is_list = is_list
        self.response: AmiMessage | None = None
        self.events: list[AmiMessage] = []
        self.future: asyncio.Future[AmiMessage | AmiList] = (
            asyncio.get_running_loop().create_future()
        )

    def add(self, message: AmiMessage) -> None:
        """Take one frame that carries this action's ID."""
        if self.future.done():
            return
        if not message.is_event:
            if self.response is None:
                self.response = message
                if message.response.lower() == "error":
                    self.future.set_exception(AmiActionError(self.action.name, message))
                elif not self.is_list:
                    self.future.set_result(message)
            return
        if message.get("EventList").lower() == "complete" or message.event.endswith("Complete"):
            response = self.response or message
            self.future.set_result(AmiList(response, tuple(self.events), message))
        else:
            self.events.append(message)


class AmiConnection:
    """A connected, banner-checked AMI session; build it with `AmiConnection.open`."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        version: str,
        on_event: EventHandler,
        on_raw: RawTap | None,
    ) -> None:
        self.version = version
        self._reader = reader
        self._writer = writer
        self._on_event = on_event
        self._on_raw = on_raw
        self._parser = FrameParser()
        self._pending: dict[str, _Pending] = {}
        self._prefix = f"ctidesk-{next(_connection_numbers)}-"
        self._action_numbers = itertools.count(1)
        self.frames_received = 0
        self.slowest_read_seconds = 0.0
        self._finished = False
        self.closed: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._reader_task = asyncio.create_task(self._read_forever(), name="ami-reader")

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        on_event: EventHandler,
        on_raw: RawTap | None = None,
    ) -> AmiConnection:
        """Connect and read the banner; raises `AmiProtocolError` if the peer is not AMI."""
        reader, writer = await asyncio.open_connection(host, port, limit=READ_SIZE)
        try:
            banner = await reader.readline()
            if on_raw is not None:
                on_raw(banner)
            text = banner.decode("utf-8", errors="replace").strip()
            if not text.startswith(BANNER_PREFIX):
                raise AmiProtocolError(f"{host}:{port} is not an AMI server (said {text!r:.80})")
        except BaseException:
            writer.close()
            raise
        version = text.removeprefix(BANNER_PREFIX)
        log.info("connected to AMI %s:%d, protocol %s", host, port, version)
        return cls(reader, writer, version=version, on_event=on_event, on_raw=on_raw)

    @property
    def is_open(self) -> bool:
        """True until the reader stops (peer closed, error or `close`)."""
        return not self._finished

    async def login(self, username: str, secret: str, *, events: str = "on") -> None:
        """Log in; raises `AmiLoginError` when Asterisk refuses."""
        try:
            await self.send(Action("Login", Username=username, Secret=secret, Events=events))
        except AmiActionError as error:
            raise AmiLoginError(
                f"AMI login as {username!r} refused: {error.response.get('Message')}"
            ) from None

    async def send(self, action: Action, *, answer_within: float | None = None) -> AmiMessage:
        """Send `action` and return its response; `AmiActionError` on ``Response: Error``."""
        result = await self._submit(action, is_list=False, answer_within=answer_within)
        assert isinstance(result, AmiMessage)
        return result

    async def send_list(self, action: Action, *, answer_within: float | None = None) -> AmiList:
        """Send a list action and collect its events up to the ``…Complete`` event."""
        result = await self._submit(action, is_list=True, answer_within=answer_within)
        assert isinstance(result, AmiList)
        return result

    async def _submit(
        self, action: Action, *, is_list: bool, answer_within: float | None
    ) -> AmiMessage | AmiList:
        if not self.is_open:
            raise AmiDisconnectedError(f"AMI connection closed; {action.name} not sent")
        action_id = f"{self._prefix}{next(self._action_numbers)}"
        pending = _Pending(action, is_list=is_list)
        self._pending[action_id] = pending
        try:
            self._writer.write(action.encode(action_id))
            async with asyncio.timeout(answer_within):
                return await pending.future
        except TimeoutError:
            raise AmiTimeoutError(
                f"no answer to AMI {action.name} within {answer_within:g} s"
            ) from None
        finally:
            self._pending.pop(action_id, None)

    def close(self) -> None:
        """Close the socket; pending actions fail with `AmiDisconnectedError`."""
        self.abort(None)

    def abort(self, reason: BaseException | None) -> None:
        """Close the socket, recording `reason` as why (`closed` resolves to it)."""
        self._reader_task.cancel()
        self._finish(reason)

    async def wait_closed(self) -> None:
        """Wait until the reader task and the socket are done."""
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader_task
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def _read_forever(self) -> None:
        reason: BaseException | None = None
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    break
                started = time.perf_counter()
                if self._on_raw is not None:
                    self._on_raw(data)
                for message in self._parser.feed(data):
                    self.frames_received += 1
                    self._dispatch(message)
                spent = time.perf_counter() - started
                if spent > self.slowest_read_seconds:
                    self.slowest_read_seconds = spent
                    if spent > SLOW_READ_SECONDS:
                        log.warning("AMI reader held the loop %.0f ms on one read", spent * 1000)
                # One read per turn of the loop: when more is buffered already, `read`
                # returns without suspending, and a flood would hold the loop for all of it.
                await asyncio.sleep(0)
        except OSError as error:
            reason = error
        self._finish(reason)

    def _dispatch(self, message: AmiMessage) -> None:
        action_id = message.action_id
        pending = self._pending.get(action_id) if action_id else None
        # A list action's events are its own; other events that carry an action's ID
        # (OriginateResponse after an async Originate) go to subscribers like any event.
        if pending is not None and (pending.is_list or not message.is_event):
            pending.add(message)
        elif message.is_event:
            self._deliver(message)
            if message.event == "Shutdown":
                log.warning("Asterisk is shutting down")
        else:
            log.debug("AMI response to no pending action ignored: %r", message)

    def _deliver(self, message: AmiMessage) -> None:
        try:
            self._on_event(message)
        except Exception:
            log.exception("AMI event handler failed on %r", message)

    def _finish(self, reason: BaseException | None) -> None:
        if self._finished:
            return
        self._finished = True
        if not self.closed.done():
            self.closed.set_result(reason)
        self._writer.close()
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(
                    AmiDisconnectedError(
                        f"AMI connection lost before {item.action.name} was answered; "
                        "it was not re-sent"
                    )
                )
        if pending:
            log.warning("AMI connection closed with %d action(s) unanswered", len(pending))
