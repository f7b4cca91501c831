"""The bridge: AMI events → the state machine → domain events → subscribers.

Events arrive through one `Subscription` of the AMI client, so they are applied in
order from one task. After every (re)login the model is rebuilt from Asterisk's list
actions (resync). Live events that arrive while the lists are read are held back and
applied on top of the rebuilt model: applied to the old model they would be lost when
it is replaced. Subscribers are plain callables run in the same task: they must not
block (the screen pop and the call log start their own tasks for I/O).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from cti.ami import AmiActionError, AmiClient, AmiError, AmiMessage, ResyncLists, take_snapshot
from cti.model import CallCentreModel, DomainEvent, Snapshot

log = logging.getLogger(__name__)

BOOT_TIMEOUT = 120.0
"""Seconds a resync waits for a starting Asterisk to finish loading its modules."""

Listener = Callable[[DomainEvent], None]
RestartListener = Callable[[Snapshot], Awaitable[None]]
"""Called after the resync that follows an Asterisk restart, with the model from before."""
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
        self._restart_listeners: list[RestartListener] = []
        self._resync_listeners: list[Callable[[], Awaitable[None]]] = []
        self._boots = 0
        self._held_back: list[tuple[AmiMessage, float]] | None = None
        self._booted = asyncio.Event()
        self._asterisk_started = ""
        self._ticker: asyncio.Task[None] | None = None
        self._resynced = asyncio.Event()
        client.subscribe(self._on_message, name="telephony-model")
        client.on_connected(self._resync)

    def listen(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every domain event, in order."""
        self._listeners.append(listener)

    def on_asterisk_restart(self, listener: RestartListener) -> None:
        """Await ``listener(before)`` once the model is rebuilt after Asterisk restarted.

        ``before`` is the model as it was when the connection was lost: what Asterisk
        forgot in its restart (dynamic queue members, pauses) can be put back from it.
        """
        self._restart_listeners.append(listener)

    def after_resync(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Await ``listener()`` after every resync (the model matches Asterisk again)."""
        self._resync_listeners.append(listener)

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

    def apply(self, event: AmiMessage, at: float) -> None:
        """Apply one AMI event at ``at`` and publish what it caused."""
        self.publish(self.model.apply(event, at))

    def _on_message(self, message: AmiMessage) -> None:
        if message.get("Event") == "FullyBooted":
            self._boots += 1
            self._booted.set()
        at = event_time(message, self.clock)
        if self._held_back is not None:
            self._held_back.append((message, at))
        else:
            self.apply(message, at)

    def _release_held_back(self) -> None:
        """Apply the events held back during a resync, in order, and apply live again."""
        held, self._held_back = self._held_back or [], None
        for event, at in held:
            self.apply(event, at)

    async def _snapshot_once_booted(self, client: AmiClient) -> ResyncLists:
        """The resync lists; a login during Asterisk's start waits for ``FullyBooted``.

        Asterisk answers AMI logins before its modules are loaded: until then QueueStatus
        is an "unknown command". Asterisk sends ``FullyBooted`` to every session when its
        start completes (and at once to a login after it), so one retry then suffices.
        """
        boots = self._boots
        try:
            return await take_snapshot(client)
        except AmiActionError as error:
            log.info("Asterisk is still starting (%s); resync waits for FullyBooted", error)
        async with asyncio.timeout(BOOT_TIMEOUT):
            while self._boots <= boots:
                self._booted.clear()
                await self._booted.wait()
        return await take_snapshot(client)

    async def _resync(self, client: AmiClient) -> None:
        self._held_back = []
        try:
            snapshot = await self._snapshot_once_booted(client)
        except (AmiError, TimeoutError) as error:
            log.error("resync failed: %s", error)
            self._release_held_back()
            return
        except BaseException:
            self._release_held_back()
            raise
        entries = [*snapshot.channels, *snapshot.bridges, *snapshot.queues]
        now = self.clock()
        restarted = bool(self._asterisk_started) and snapshot.started != self._asterisk_started
        self._asterisk_started = snapshot.started
        # What Asterisk forgot in a restart is put back from the model as it was before.
        before = self.model.snapshot(now) if restarted else None
        self.publish(self.model.resync(entries, now))
        self._release_held_back()
        self.resyncs += 1
        if before is not None:
            log.warning("Asterisk restarted (up since %s)", snapshot.started)
            for listener in self._restart_listeners:
                try:
                    await listener(before)
                except Exception:
                    log.exception("restart listener %r failed", listener)
        for after in self._resync_listeners:
            try:
                await after()
            except Exception:
                log.exception("resync listener %r failed", after)
        self._resynced.set()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.publish(self.model.tick(self.clock()))
