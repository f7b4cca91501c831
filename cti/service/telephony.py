"""The bridge: AMI events → the state machine → domain events → subscribers.

Events arrive through one `Subscription` of the AMI client, so they are applied in
order from one task. After every (re)login the model is rebuilt from Asterisk's list
actions (resync). Subscribers are plain callables run in the same task: they must not
block (the screen pop and the call log start their own tasks for I/O).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping

from cti.ami import AmiClient, AmiError, AmiMessage, take_snapshot
from cti.model import CallCentreModel, DomainEvent

log = logging.getLogger(__name__)

Listener = Callable[[DomainEvent], None]
Clock = Callable[[], float]


def event_time(message: AmiMessage, clock: Clock) -> float:
    """When an event happened: its ``Timestamp`` header (``timestampevents``), else now."""
    stamp = message.get("Timestamp")
    if stamp:
        try:
            return float(stamp)
        except ValueError:
            pass
    return clock()


def as_mapping(message: AmiMessage) -> dict[str, str]:
    """The headers of ``message`` as the model reads them (first value of a repeated key)."""
    fields: dict[str, str] = {}
    for key, value in message.headers:
        fields.setdefault(key, value)
    return fields


class TelephonyBridge:
    """Feeds the model from an AMI client and publishes the domain events it emits."""

    def __init__(
        self,
        *,
        client: AmiClient,
        model: CallCentreModel,
        clock: Clock = time.time,
        tick_interval: float = 1.0,
    ) -> None:
        self.client = client
        self.model = model
        self.clock = clock
        self.tick_interval = tick_interval
        self.resyncs = 0
        self._listeners: list[Listener] = []
        self._ticker: asyncio.Task[None] | None = None
        self._resynced = asyncio.Event()
        client.subscribe(self._on_message, name="telephony-model")
        client.on_connected(self._resync)

    def listen(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every domain event, in order."""
        self._listeners.append(listener)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Hand ``events`` to every listener; a failing listener is logged, not fatal."""
        for event in events:
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception:
                    log.exception("domain event listener failed on %r", event)

    async def start(self) -> None:
        """Start the wrap-up ticker (the AMI client is started by its owner)."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever(), name="telephony-ticker")

    async def stop(self) -> None:
        """Stop the ticker."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def wait_resynced(self, within: float | None = None) -> None:
        """Wait until the model has been rebuilt from Asterisk at least once."""
        async with asyncio.timeout(within):
            await self._resynced.wait()

    def apply(self, event: Mapping[str, str], at: float) -> None:
        """Apply one AMI event at ``at`` and publish what it caused."""
        self.publish(self.model.apply(event, at))

    def _on_message(self, message: AmiMessage) -> None:
        self.apply(as_mapping(message), event_time(message, self.clock))

    async def _resync(self, client: AmiClient) -> None:
        try:
            snapshot = await take_snapshot(client)
        except AmiError as error:
            log.error("resync failed: %s", error)
            return
        entries = [
            as_mapping(message)
            for message in (*snapshot.channels, *snapshot.bridges, *snapshot.queues)
        ]
        self.publish(self.model.resync(entries, self.clock()))
        self.resyncs += 1
        self._resynced.set()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.publish(self.model.tick(self.clock()))
