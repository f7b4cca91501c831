"""Event fan-out that never blocks the AMI reader: a bounded queue and a task per subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable

from cti.ami.message import AmiMessage

log = logging.getLogger(__name__)

EventCallback = Callable[[AmiMessage], Awaitable[None] | None]
DEFAULT_MAX_PENDING = 100_000


class Subscription:
    """Delivers events to one callback from its own task, in arrival order.

    `offer` is what the reader calls: it only appends to a queue. If the callback falls
    `max_pending` events behind, new events are dropped and counted in `dropped` (the
    reader must keep reading or Asterisk disconnects us); a resync repairs the state.
    """

    def __init__(
        self,
        callback: EventCallback,
        *,
        name: str,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_close: Callable[[Subscription], None] | None = None,
    ) -> None:
        self.name = name
        self.dropped = 0
        self.delivered = 0
        self._callback = callback
        self._queue: asyncio.Queue[AmiMessage] = asyncio.Queue(maxsize=max_pending)
        self._on_close = on_close
        self._task = asyncio.create_task(self._deliver_forever(), name=f"ami-subscriber-{name}")

    @property
    def backlog(self) -> int:
        """Events waiting for the callback."""
        return self._queue.qsize()

    def offer(self, message: AmiMessage) -> None:
        """Queue `message` for the callback; never blocks."""
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            if self.dropped == 0:
                log.error("AMI subscriber %s is too slow: dropping events", self.name)
            self.dropped += 1

    async def drain(self) -> None:
        """Wait until the callback has handled every queued event."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop delivering; queued events are discarded. Closing twice does nothing more
        (the client closes its subscriptions when it stops; a subscriber may too)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(self)

    async def _deliver_forever(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                result = self._callback(message)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("AMI subscriber %s failed on %r", self.name, message)
            finally:
                self.delivered += 1
                self._queue.task_done()
