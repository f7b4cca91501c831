"""Wrap-up pacing: no queue call is offered to an agent until its wrap-up ends.

Asterisk's own ``wrapuptime`` cannot be ended early and knows nothing of dispositions,
so the service holds the agent instead: when the model puts an agent in wrap-up (the
queue's time from ``[telephony] wrapup_seconds``), the agent's queue membership is
paused with the reason :data:`WRAPUP_PAUSE_REASON`; when the wrap-up time runs out or the
agent sends the disposition (``POST /api/agent/wrapup``), it is unpaused. A pause the
agent chose during wrap-up (another reason) is left alone. After a restart the timer
is gone: an agent Asterisk still holds for wrap-up is released rather than stuck.

Actions run one at a time from a queue, in the order of the events, so an unpause can
never overtake its pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Literal

from cti.ami import Action, AmiClient, AmiError
from cti.model import (
    WRAPUP_PAUSE_REASON,
    AgentStateChanged,
    AgentStatus,
    CallCentreModel,
    DomainEvent,
    WrapupEnded,
)

log = logging.getLogger(__name__)

Step = tuple[Literal["hold", "release"], str]


class WrapupPacer:
    """A bus listener that pauses agents for wrap-up and unpauses them after it."""

    def __init__(
        self,
        *,
        client: AmiClient,
        model: CallCentreModel,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._model = model
        self._clock = clock
        self._steps: asyncio.Queue[Step] = asyncio.Queue()
        self._held: set[str] = set()
        self._worker: asyncio.Task[None] | None = None

    def __call__(self, event: DomainEvent) -> None:
        """Queue a hold when an agent enters wrap-up, a release when it ends."""
        if isinstance(event, AgentStateChanged):
            entering = event.state is AgentStatus.WRAP_UP
            if entering and event.previous is not AgentStatus.WRAP_UP:
                self._steps.put_nowait(("hold", event.agent))
        elif isinstance(event, WrapupEnded):
            self._steps.put_nowait(("release", event.agent))

    async def start(self) -> None:
        """Start the worker that sends the pauses."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._run_forever(), name="wrapup-pacer")

    async def stop(self) -> None:
        """Stop the worker; steps not yet sent are dropped."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def drain(self) -> None:
        """Wait until every queued step has been sent (tests, shutdown)."""
        await self._steps.join()

    async def step(self, kind: Literal["hold", "release"], interface: str) -> None:
        """Hold or release one agent now, from what the model says of it."""
        agent = self._model.agent(interface, self._clock())
        if agent is None:
            return
        pause = self._pause_reason(interface, agent.queues)
        if kind == "hold":
            if agent.state is not AgentStatus.WRAP_UP:
                return
            if agent.wrapup_until is None:
                # Held for wrap-up by an earlier run of the service: its timer is gone.
                if pause == WRAPUP_PAUSE_REASON:
                    await self._send(interface, paused=False)
                return
            if pause is None:
                await self._send(interface, paused=True)
                self._held.add(interface)
            return
        held_by_us = interface in self._held
        self._held.discard(interface)
        if pause == WRAPUP_PAUSE_REASON or (held_by_us and pause is None):
            await self._send(interface, paused=False)

    def _pause_reason(self, interface: str, queues: tuple[str, ...]) -> str | None:
        """Why Asterisk pauses the agent (``""`` for no reason), or None when it does not."""
        at = self._clock()
        for name in queues:
            queue = self._model.queue(name, at)
            if queue is None:
                continue
            for member in queue.members:
                if member.interface == interface and member.paused:
                    return member.paused_reason
        return None

    async def _send(self, interface: str, *, paused: bool) -> None:
        fields: dict[str, str | bool] = {"Interface": interface, "Paused": paused}
        if paused:
            fields["Reason"] = WRAPUP_PAUSE_REASON
        try:
            await self._client.send(Action("QueuePause", **fields))
        except AmiError as error:
            verb = "hold" if paused else "release"
            log.warning("could not %s %s for wrap-up: %s", verb, interface, error)

    async def _run_forever(self) -> None:
        while True:
            kind, interface = await self._steps.get()
            try:
                await self.step(kind, interface)
            except Exception:
                log.exception("wrap-up %s of %s failed", kind, interface)
            finally:
                self._steps.task_done()


__all__ = ["WrapupPacer"]
