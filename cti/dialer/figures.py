"""What a runner keeps per call and counts while it holds its campaign's lease."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DialTimes:
    """When one attempt was dialled, answered and connected (for the pacer's figures)."""

    dialled: float
    answered: float | None = None
    bridged: float | None = None
    machine: bool = False


@dataclass
class Counters:
    """What this runner has done since it took the lease (for the live panel)."""

    dialled: int = 0
    answered: int = 0
    connected: int = 0
    abandoned: int = 0
    machines: int = 0


@dataclass(frozen=True)
class Write:
    """An outcome to store, with what the runner decided about it when it happened."""

    agent: str = ""
    """The interface the call was connected to (a connect)."""
    channel: str = ""
    """The callee's channel (a connect: where a recording starts)."""
    abandoned: bool = False
    """A person answered and nobody was connected (an end)."""


__all__ = ["Counters", "DialTimes", "Write"]
