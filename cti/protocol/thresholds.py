"""The wall-board's thresholds: when a queue's or an agent's figure is marked (stdlib only).

The service's settings (``[wallboard]``) hold them; ``ctidesk console`` hands them to the
console as these types, which never import the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QueueThresholds:
    """One queue's limits: a service level under ``service_level_target`` is LOW, a longest
    wait over ``longest_wait_seconds`` is LONG, an agent in one state (not ready) longer
    than ``agent_state_seconds`` is LONG."""

    service_level_target: float = 0.8
    longest_wait_seconds: int = 60
    agent_state_seconds: int = 900


@dataclass(frozen=True)
class BoardThresholds:
    """The limits every queue has, and the queues that have their own."""

    default: QueueThresholds = field(default_factory=QueueThresholds)
    queues: dict[str, QueueThresholds] = field(default_factory=dict)

    def of(self, queue: str | None) -> QueueThresholds:
        """The limits of ``queue`` (its own, else the default)."""
        return self.queues.get(queue or "", self.default)


__all__ = ["BoardThresholds", "QueueThresholds"]
