"""The API's live state (queues, agents, calls) read from the model's snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import replace

from cti.bus.directory import AgentDirectory
from cti.kpi import QueueFigures
from cti.live.state import TodayFigures
from cti.model import AgentStatus, CallCentreModel, CallView
from cti.protocol import AgentState, CallUpdate, QueueUpdate, iso

_BUSY = frozenset({AgentStatus.RINGING, AgentStatus.ON_CALL, AgentStatus.WRAP_UP})


def call_state(call: CallView) -> str:
    """A live call's state as the wire protocol names it."""
    if call.held:
        return "held"
    if call.answered_at is not None:
        return "answered"
    if call.agent is not None:
        return "ringing"
    return "queued" if call.queue is not None else "ringing"


def with_today(update: QueueUpdate, figures: QueueFigures) -> QueueUpdate:
    """``update`` with the queue's figures today."""
    others = figures.key_exits + figures.exit_empty + figures.withdrawn + figures.failed
    return replace(
        update, offered=figures.offered, answered=figures.answered,
        abandoned=figures.abandoned, timed_out=figures.timed_out, other_exits=others,
        blocked=sum(figures.blocked.values()), sl_pct=figures.sl_pct,
        asa_seconds=figures.asa_s, max_wait_seconds=figures.max_wait_s,
    )  # fmt: skip


class ModelLiveState:
    """Implements :class:`cti.http.live.LiveState` over a :class:`CallCentreModel`."""

    def __init__(
        self,
        *,
        model: CallCentreModel,
        agents: AgentDirectory,
        clock: Callable[[], float] = time.time,
        today: TodayFigures | None = None,
    ) -> None:
        self._model = model
        self._agents = agents
        self._clock = clock
        self._today = today

    def _login(self, interface: str) -> str:
        user = self._agents.cached(interface)
        return user.login if user is not None else interface

    def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        """Counters of every visible queue (read queue by queue, not from a whole snapshot)."""
        at = self._clock()
        names = self._model.queue_names()
        if visible_queues is not None:
            names = tuple(name for name in names if name in visible_queues)
        out = []
        for name in names:
            queue = self._model.queue(name, at)
            if queue is None:
                continue
            members = [self._model.agent(m.interface, at) for m in queue.members]
            states = [member.state if member is not None else None for member in members]
            update = QueueUpdate(
                queue=queue.name,
                waiting=len(queue.callers),
                longest_wait_seconds=int(max((c.wait_time for c in queue.callers), default=0)),
                agents_ready=sum(state is AgentStatus.READY for state in states),
                agents_busy=sum(state in _BUSY for state in states),
                agents_paused=sum(state is AgentStatus.PAUSED for state in states),
                service_level_seconds=queue.service_level_seconds,
            )
            if self._today is not None:
                update = with_today(update, self._today.figures(name))
            out.append(update)
        return out

    def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        """Agents signed in to a visible queue (all known agents for ``None``)."""
        snapshot = self._model.snapshot(self._clock())
        return [
            AgentState(
                login=self._login(agent.interface),
                state=agent.state.value,
                since=iso(agent.since),
                reason=agent.reason or None,
                queues=list(agent.queues),
            )
            for agent in snapshot.agents
            if visible_queues is None or set(agent.queues) & set(visible_queues)
        ]

    def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        """Calls in progress in a visible queue (every call for ``None``)."""
        snapshot = self._model.snapshot(self._clock())
        return [
            CallUpdate(
                call_id=call.call_id,
                state=call_state(call),
                caller=call.caller_number,
                since=iso(call.started_at),
                queue=call.queue,
                agent=self._login(call.agent) if call.agent is not None else None,
            )
            for call in snapshot.calls
            if visible_queues is None or call.queue in visible_queues
        ]
