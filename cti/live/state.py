"""What the live-state routes read: the telephony model, seen through a small interface.

The telephony service implements :class:`LiveState` over its state machine; the API
only reads it. ``visible_queues`` is ``None`` for supervisors (everything) and the
agent's own queues otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from cti.kpi import QueueFigures
from cti.protocol import AgentState, CallUpdate, QueueUpdate


class LiveState(Protocol):
    """Queues, agents and calls as they are now; reading it does no I/O."""

    def queues(self, visible_queues: Collection[str] | None) -> list[QueueUpdate]:
        """Counters of every queue visible."""
        ...

    def agents(self, visible_queues: Collection[str] | None) -> list[AgentState]:
        """Agents signed in to a visible queue (every agent for ``None``)."""
        ...

    def calls(self, visible_queues: Collection[str] | None) -> list[CallUpdate]:
        """Calls in progress in a visible queue (every call for ``None``)."""
        ...


class TodayFigures(Protocol):
    """Each queue's figures today on the reports' definitions (the statistics domain's
    live stint book); the live views add them to ``queue_update``."""

    def figures(self, queue: str) -> QueueFigures:
        """``queue``'s figures today."""
        ...

    def on_change(self, listener: Callable[[Collection[str]], None]) -> None:
        """Call ``listener(queues)`` when those queues' figures changed."""
        ...


__all__ = ["LiveState", "TodayFigures"]
