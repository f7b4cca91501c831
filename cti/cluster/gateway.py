"""The gateway's side of the bus: subscribe to what the connected consoles need, and hand
each message to their WebSockets.

The subjects follow the hub: a user's subject while that user has a console open here,
a role's broadcast subject while a console of that role is open, the all-consoles subject
while any is. Each change is followed by this gateway's presence list (after the
subscriptions, on the same connection, so an edge that sees the console present finds the
subscription in place). While the bus is away the consoles are told telephony is offline,
and online again when it is back. A numbered message that comes after a missing one
(:mod:`cti.cluster.sequence`) is a gap: the consoles of its subject are asked to read
their state again (``resync``) and the bus's gap listeners repair the views.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from cti.cluster import subjects
from cti.cluster.connection import Bus
from cti.cluster.presence import presence_payload
from cti.cluster.sequence import GapWatch
from cti.http.hub import WebSocketHub
from cti.protocol import Resync, TelephonyStatus

log = logging.getLogger(__name__)


class GatewayRelay:
    """Keeps this gateway's subscriptions equal to what its consoles need."""

    def __init__(self, *, bus: Bus, hub: WebSocketHub, node: str) -> None:
        self._bus = bus
        self._hub = hub
        self._node = node
        self._subscribed: dict[str, Subscription] = {}
        self._dirty = asyncio.Event()
        self._settled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.numbers = GapWatch()

    async def start(self) -> None:
        """Follow the hub's consoles and the bus's state."""
        self._hub.watch(lambda _login, _role: self._dirty.set())
        self._bus.on_status(self._bus_changed)
        self._task = asyncio.create_task(self._follow_forever(), name="gateway-relay")
        self._dirty.set()

    async def stop(self) -> None:
        """Stop following (the bus's close ends the subscriptions)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def settled(self) -> None:
        """Wait until the subscriptions match the consoles open now."""
        while self._dirty.is_set() or not self._settled.is_set():
            self._settled.clear()
            await self._settled.wait()

    def publish_presence(self) -> None:
        """Tell the edges which consoles are open here (also each heartbeat)."""
        self._bus.publish(subjects.PRESENCE, presence_payload(self._node, self._hub.consoles()))

    def wanted(self) -> set[str]:
        """The subjects this gateway's consoles need now."""
        consoles = self._hub.consoles()
        wanted = {subjects.user(login) for login in consoles}
        wanted |= {subjects.broadcast(role) for role in self._hub.roles()}
        if consoles:
            wanted.add(subjects.BROADCAST_ALL)
        return wanted

    async def _follow_forever(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._follow()
            except Exception:  # the bus away: the next change or reconnect retries
                log.warning("gateway %s could not update its subscriptions", self._node,
                            exc_info=True)  # fmt: skip
            self._settled.set()

    async def _follow(self) -> None:
        wanted = self.wanted()
        for subject in sorted(set(self._subscribed) - wanted):
            await self._subscribed.pop(subject).unsubscribe()
            self.numbers.forget(subject)
        for subject in sorted(wanted - set(self._subscribed)):
            self._subscribed[subject] = await self._bus.subscribe(subject, self._deliver)
        self.publish_presence()
        await self._bus.flush()

    async def _deliver(self, message: Msg) -> None:
        """One message to the consoles its subject names, as the text it came as."""
        text = message.data.decode()
        kind, _, rest = message.subject.removeprefix(subjects.ROOT + ".").partition(".")
        gap = self.numbers.heard(message.subject, message.headers)
        if gap:
            log.warning("gateway %s: a live message on %s never came; its consoles read "
                        "their state again", self._node, message.subject)  # fmt: skip
            self._bus.report_gap()
        if kind == "user":
            login = subjects.untoken(rest)
            if gap:
                self._hub.send_to_user(login, Resync(reason=f"lost on {message.subject}"))
            self.delivered += self._hub.send_text_to_user(login, text)
        else:
            roles = None if message.subject == subjects.BROADCAST_ALL else (
                subjects.untoken(rest.removeprefix("role.")),)  # fmt: skip
            if gap:
                self._hub.broadcast(Resync(reason=f"lost on {message.subject}"), roles=roles)
            self.delivered += self._hub.broadcast_text(text, roles=roles)

    def _bus_changed(self, online: bool) -> None:
        detail = None if online else "the service bus is unreachable"
        self._hub.broadcast(TelephonyStatus(online=online, detail=detail))
        if not online:
            self.numbers.reset()
        if online:
            self._dirty.set()  # publish presence again; NATS restores the subscriptions


__all__ = ["GatewayRelay"]
