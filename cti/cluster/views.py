"""Live views over every Asterisk: each edge answers snapshot requests with its queues,
agents and calls; a gateway gathers them and merges a queue that exists on several.

A gateway's ``/api/queues``, ``/api/agents`` and ``/api/calls`` read the merged views.
After a gap in the live events (the bus lost and back, or NATS cutting this gateway off
as a slow consumer) the gateway gathers the snapshots again and hands them to its
supervisors' consoles as ordinary updates, so a wall-board that missed events corrects
itself; agents' consoles resync over REST as after any reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from nats.aio.msg import Msg

from cti.cluster import subjects
from cti.cluster.connection import Bus
from cti.http.pushes import SUPERVISOR_ROLES, Pushes
from cti.protocol import AgentState, CallUpdate, Message, QueueUpdate, from_dict, to_dict


class LiveReader(Protocol):
    """What an edge's snapshot reads: its live state (``cti.live``'s ``LiveState``)."""

    def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        """Counters of every queue visible."""
        ...

    def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        """Agents signed in to a visible queue (every agent for ``None``)."""
        ...

    def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        """Calls in progress in a visible queue (every call for ``None``)."""
        ...


@dataclass(frozen=True)
class EdgeSnapshot:
    """One Asterisk's live state, as its edge answered."""

    system: str
    queues: tuple[QueueUpdate, ...]
    agents: tuple[AgentState, ...]
    calls: tuple[CallUpdate, ...]

    def encode(self) -> bytes:
        """The snapshot as the bus carries it."""
        return json.dumps({
            "system": self.system, "queues": [to_dict(q) for q in self.queues],
            "agents": [to_dict(a) for a in self.agents], "calls": [to_dict(c) for c in self.calls],
        }, ensure_ascii=False, separators=(",", ":")).encode()  # fmt: skip

    @classmethod
    def decode(cls, data: bytes) -> EdgeSnapshot:
        """A snapshot from the bus; ``ProtocolError`` or ``ValueError`` when malformed."""
        fields = json.loads(data)

        def of(kind: type, key: str) -> tuple:  # type: ignore[type-arg]
            found = tuple(from_dict(item) for item in fields[key])
            if not all(isinstance(item, kind) for item in found):
                raise ValueError(f"snapshot {key}: not all {kind.__name__}")
            return found

        return cls(str(fields["system"]), of(QueueUpdate, "queues"), of(AgentState, "agents"),
                   of(CallUpdate, "calls"))  # fmt: skip


def _weighted(values: Iterable[tuple[float | None, int]]) -> float | None:
    """The mean of the known values weighted by their counts; None when none is known."""
    known = [(value, weight) for value, weight in values if value is not None and weight > 0]
    total = sum(weight for _value, weight in known)
    return sum(value * weight for value, weight in known) / total if total else None


def merge_queue(parts: list[QueueUpdate]) -> QueueUpdate:
    """One queue's counters over the Asterisks it exists on.

    Counts add up and the longest waits are the longest; the mean answer time is exact
    (weighted by answered calls); the service-level percentage is weighted by calls
    offered, an approximation where the queue runs on several Asterisks."""
    first = parts[0]
    if len(parts) == 1:
        return first
    max_waits = [p.max_wait_seconds for p in parts if p.max_wait_seconds is not None]
    return QueueUpdate(
        queue=first.queue, waiting=sum(p.waiting for p in parts),
        longest_wait_seconds=max(p.longest_wait_seconds for p in parts),
        agents_ready=sum(p.agents_ready for p in parts),
        agents_busy=sum(p.agents_busy for p in parts),
        agents_paused=sum(p.agents_paused for p in parts),
        service_level_seconds=min(p.service_level_seconds for p in parts),
        offered=sum(p.offered for p in parts), answered=sum(p.answered for p in parts),
        abandoned=sum(p.abandoned for p in parts), timed_out=sum(p.timed_out for p in parts),
        other_exits=sum(p.other_exits for p in parts), blocked=sum(p.blocked for p in parts),
        sl_pct=_weighted((p.sl_pct, p.offered) for p in parts),
        asa_seconds=_weighted((p.asa_seconds, p.answered) for p in parts),
        max_wait_seconds=max(max_waits) if max_waits else None,
    )  # fmt: skip


@dataclass(frozen=True)
class MergedViews:
    """The live state of every Asterisk that answered, queues merged by name."""

    queues: tuple[QueueUpdate, ...]
    agents: tuple[AgentState, ...]
    calls: tuple[CallUpdate, ...]

    @classmethod
    def of(cls, snapshots: Iterable[EdgeSnapshot]) -> MergedViews:
        """Merge ``snapshots`` (queues by name, in name order)."""
        by_queue: dict[str, list[QueueUpdate]] = {}
        agents: list[AgentState] = []
        calls: list[CallUpdate] = []
        for snapshot in sorted(snapshots, key=lambda s: s.system):
            for queue in snapshot.queues:
                by_queue.setdefault(queue.queue, []).append(queue)
            agents += snapshot.agents
            calls += snapshot.calls
        queues = tuple(merge_queue(by_queue[name]) for name in sorted(by_queue))
        return cls(queues, tuple(agents), tuple(calls))

    def visible(self, visible_queues: Collection[str] | None) -> MergedViews:
        """What a user who may watch ``visible_queues`` (None: all) sees."""
        if visible_queues is None:
            return self
        shown = set(visible_queues)
        return MergedViews(
            tuple(q for q in self.queues if q.queue in shown),
            tuple(a for a in self.agents if shown & set(a.queues)),
            tuple(c for c in self.calls if c.queue in shown),
        )


class SnapshotResponder:
    """The edge's answerer of snapshot requests for its Asterisk."""

    def __init__(self, *, bus: Bus, system: str, state: LiveReader) -> None:
        self._bus = bus
        self._system = system
        self._state = state

    async def start(self) -> None:
        """Answer on the Asterisk's snapshot subject and on the all-edges one."""
        await self._bus.subscribe(subjects.snapshot(self._system), self._answer)
        await self._bus.subscribe(subjects.SNAPSHOT_ALL, self._answer)

    def snapshot(self) -> EdgeSnapshot:
        """The Asterisk's live state now."""
        state = self._state
        return EdgeSnapshot(self._system, tuple(state.queues(None)), tuple(state.agents(None)),
                            tuple(state.calls(None)))  # fmt: skip

    async def _answer(self, message: Msg) -> None:
        if message.reply:
            await message.respond(self.snapshot().encode())


class EdgeDirectory:
    """The Asterisks whose edges were heard lately (from the nodes' heartbeats)."""

    def __init__(self, *, stale_after: float, clock: Callable[[], float] = time.monotonic):
        self._stale_after = stale_after
        self._clock = clock
        self._seen: dict[str, float] = {}

    def heard(self, system: str | None) -> None:
        """An edge of ``system`` sent a heartbeat."""
        if system:
            self._seen[system] = self._clock()

    def live(self) -> set[str]:
        """The Asterisks whose edge was heard within the last three heartbeats."""
        oldest = self._clock() - self._stale_after
        return {system for system, at in self._seen.items() if at >= oldest}


class ClusterViews:
    """A gateway's merged live views, gathered from the edges over the bus."""

    def __init__(self, *, bus: Bus, edges: EdgeDirectory, within: float) -> None:
        self._bus = bus
        self._edges = edges
        self._within = within
        self.gathered = 0

    async def gather(self) -> MergedViews:
        """Ask every edge for its snapshot; merge those that answer within ``within``
        seconds (all the live edges answered: at once)."""
        expected = self._edges.live()
        answers: dict[str, EdgeSnapshot] = {}
        complete = asyncio.Event()

        async def answered(message: Msg) -> None:
            with contextlib.suppress(ValueError):
                snapshot = EdgeSnapshot.decode(message.data)
                answers[snapshot.system] = snapshot
            if expected <= set(answers):
                complete.set()

        client = self._bus.client
        inbox = client.new_inbox()
        subscription = await client.subscribe(inbox, cb=answered)
        try:
            await client.publish(subjects.SNAPSHOT_ALL, b"", reply=inbox)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete.wait(), self._within)
        finally:
            await subscription.unsubscribe()
        self.gathered += 1
        return MergedViews.of(answers.values())

    async def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        """Every Asterisk's queues, merged by name, that the user may watch."""
        return list((await self.gather()).visible(visible_queues).queues)

    async def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        """Every Asterisk's agents the user may watch."""
        return list((await self.gather()).visible(visible_queues).agents)

    async def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        """Every Asterisk's calls the user may watch."""
        return list((await self.gather()).visible(visible_queues).calls)

    async def repair(self, consoles: Pushes) -> int:
        """After a gap: the merged views to this gateway's supervisors' ``consoles`` (its
        own hub); how many messages."""
        views = await self.gather()
        messages: list[Message] = [*views.queues, *views.agents, *views.calls]
        for message in messages:
            consoles.broadcast(message, roles=SUPERVISOR_ROLES)
        return len(views.queues) + len(views.agents) + len(views.calls)


__all__ = [
    "ClusterViews",
    "EdgeDirectory",
    "EdgeSnapshot",
    "LiveReader",
    "MergedViews",
    "SnapshotResponder",
    "merge_queue",
]
