"""Live pushes for consoles and the wall-board: ``call_update`` and ``queue_update``.

The bus listener only queues the domain event, so the bridge never waits. One worker
sends a ``call_update`` per call event, in order, to supervisors and to the agent on the
call (agents learn of callers waiting in their queues from ``queue_update``: sending
every call's updates to every agent of a busy queue multiplied the pushes by the queue
size and delayed screen pops — bench/screen_pop.py). Every event that touches a queue
(a call in it, or one of its agents changing state) marks the queue dirty; a second
worker sends the dirty queues' counters at most once per ``queue_interval`` seconds
(the first change after a quiet spell goes out at once), so a burst of events cannot
flood the wall-board.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from cti.bus.directory import AgentDirectory
from cti.http.pushes import SUPERVISOR_ROLES, Pushes
from cti.live.services import ModelLiveState
from cti.live.state import TodayFigures
from cti.model import (
    AgentRinging,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallCentreModel,
    CallEnded,
    CallerQueued,
    CallHeld,
    CallTransferred,
    DomainEvent,
)
from cti.protocol import CallUpdate, Message, iso

log = logging.getLogger(__name__)

CallEvent = (
    CallerQueued
    | AgentRinging
    | CallAnswered
    | CallHeld
    | CallTransferred
    | CallAbandoned
    | CallEnded
)
CALL_EVENTS = (
    CallerQueued,
    AgentRinging,
    CallAnswered,
    CallHeld,
    CallTransferred,
    CallAbandoned,
    CallEnded,
)


@dataclass(slots=True)
class _CallFacts:
    """What the updates remember of a live call between its events."""

    caller: str = ""
    started_at: float | None = None
    queue: str | None = None
    agent: str | None = None


def call_state_of(event: CallEvent) -> str:
    """The wire state a call event moves its call to."""
    match event:
        case CallerQueued():
            return "queued"
        case AgentRinging():
            return "ringing"
        case CallAnswered():
            return "answered"
        case CallHeld(on_hold=on_hold):
            return "held" if on_hold else "answered"
        case CallTransferred():
            return "transferred"
        case CallAbandoned():
            return "abandoned"
        case CallEnded():
            return "ended"


def queue_of(event: DomainEvent) -> Iterable[str]:
    """The queues whose counters ``event`` may change."""
    if isinstance(event, AgentStateChanged):
        return event.queues
    queue = getattr(event, "queue", None)
    return (queue,) if queue else ()


class LiveUpdates:
    """Sends ``call_update`` and coalesced ``queue_update`` messages from domain events.

    Register the instance with ``TelephonyBridge.listen`` and ``start`` it; ``stop``
    drops what is unsent.
    """

    def __init__(
        self,
        *,
        hub: Pushes,
        agents: AgentDirectory,
        model: CallCentreModel,
        clock: Callable[[], float] = time.time,
        queue_interval: float = 0.2,
        today: TodayFigures | None = None,
    ) -> None:
        self._hub = hub
        self._agents = agents
        self._model = model
        self._clock = clock
        self._live = ModelLiveState(model=model, agents=agents, clock=clock, today=today)
        if today is not None:
            today.on_change(self.queues_touched)
        self.queue_interval = queue_interval
        self._calls: dict[str, _CallFacts] = {}
        self._pending: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._dirty_queues: set[str] = set()
        self._dirty = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: queue call events and mark the queues they touch."""
        if isinstance(event, CALL_EVENTS):
            self._pending.put_nowait(event)
        queues = queue_of(event)
        if queues:
            self._dirty_queues.update(queues)
            self._dirty.set()

    def queues_touched(self, queues: Collection[str]) -> None:
        """Send these queues' counters again (their figures today changed)."""
        if queues:
            self._dirty_queues.update(queues)
            self._dirty.set()

    async def start(self) -> None:
        """Start the call-update and queue-update workers."""
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._send_calls_forever(), name="call-updates"),
                asyncio.create_task(self._send_queues_forever(), name="queue-updates"),
            ]

    async def stop(self) -> None:
        """Stop both workers; unsent updates are dropped."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def calls_changed(self, events: list[CallEvent]) -> None:
        """Send one ``call_update`` per event, in order.

        Each event reads only its own call from the model: a whole snapshot per batch
        cost the screen pop more than everything else in this class (bench/screen_pop.py).
        """
        at = self._clock()
        for event in events:
            if isinstance(event, CallEnded) and self._model.call(event.call_id, at) is None:
                # The call ended before this batch was sent: its start is only here.
                self._calls.setdefault(event.call_id, _CallFacts()).started_at = event.started_at
        for event in events:
            facts = self._calls.setdefault(event.call_id, _CallFacts())
            # The agent the call had when this event happened, not what the model knows
            # now: agents get the updates of their own calls only (the queue's waiting
            # callers reach them as queue_update), which keeps the fan-out per event small.
            on_call = getattr(event, "agent", None) or facts.agent
            live = self._model.call(event.call_id, at)
            if live is not None:
                facts.caller = live.caller_number or facts.caller
                facts.started_at = live.started_at
                facts.queue = live.queue or facts.queue
            self._learn(facts, event)
            if isinstance(event, CallEnded):
                del self._calls[event.call_id]
            agent = await self._login(facts.agent) if facts.agent else None
            message = CallUpdate(
                call_id=event.call_id,
                state=call_state_of(event),
                caller=facts.caller,
                since=iso(facts.started_at if facts.started_at is not None else event.at),
                queue=facts.queue,
                agent=agent,
            )
            await self._send(message, (on_call,) if on_call else ())

    async def queues_changed(self, names: Collection[str]) -> None:
        """Send the counters of the queues ``names`` to supervisors and their agents."""
        at = self._clock()
        for update in self._live.queues(names):
            queue = self._model.queue(update.queue, at)
            members = tuple(m.interface for m in queue.members) if queue is not None else ()
            await self._send(update, members)

    @staticmethod
    def _learn(facts: _CallFacts, event: CallEvent) -> None:
        if isinstance(event, CallerQueued | AgentRinging | CallAbandoned | CallEnded):
            facts.caller = event.caller_number or facts.caller
        if isinstance(event, CallEnded):
            facts.started_at = event.started_at
        if not isinstance(event, CallHeld | CallTransferred):
            facts.queue = event.queue or facts.queue
        # A transfer's agent is the one who transferred: the call's agent from then on is
        # named by the CallAnswered of the agent it lands on.
        if isinstance(event, AgentRinging | CallAnswered | CallEnded):
            facts.agent = event.agent or facts.agent

    async def _login(self, interface: str) -> str:
        user = await self._agents.by_interface(interface)
        return user.login if user is not None else interface

    async def _send(self, message: Message, interfaces: Iterable[str]) -> None:
        """To supervisors, and to each agent user of ``interfaces`` who is not one."""
        self._hub.broadcast(message, roles=SUPERVISOR_ROLES)
        for interface in interfaces:
            user = await self._agents.by_interface(interface)
            if user is not None and user.role.value not in SUPERVISOR_ROLES:
                self._hub.send_to_user(user.login, message)

    async def _send_calls_forever(self) -> None:
        while True:
            events = [await self._pending.get()]
            while not self._pending.empty():
                events.append(self._pending.get_nowait())
            try:
                await self.calls_changed(events)
            except Exception:
                log.exception("sending call updates for %r failed", events)

    async def _send_queues_forever(self) -> None:
        loop = asyncio.get_running_loop()
        last_sent = -self.queue_interval
        while True:
            await self._dirty.wait()
            delay = last_sent + self.queue_interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            names, self._dirty_queues = self._dirty_queues, set()
            self._dirty.clear()
            try:
                await self.queues_changed(names)
            except Exception:
                log.exception("sending queue updates for %s failed", sorted(names))
            last_sent = loop.time()


__all__ = ["CALL_EVENTS", "CallEvent", "LiveUpdates", "Pushes", "call_state_of", "queue_of"]
