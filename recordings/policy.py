"""Which calls are recorded: all of them, on demand (the agent starts and stops), or none."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Policy(enum.StrEnum):
    """A queue's or campaign's recording policy."""

    ALL = "all"
    ON_DEMAND = "on_demand"
    NONE = "none"


@dataclass(frozen=True)
class RecordingPolicies:
    """Policies by queue and by campaign; ``default`` for everything else (direct calls)."""

    queues: Mapping[str, Policy] = field(default_factory=dict)
    campaigns: Mapping[str, Policy] = field(default_factory=dict)
    default: Policy = Policy.ON_DEMAND

    def for_call(self, *, queue: str | None = None, campaign: str | None = None) -> Policy:
        """The policy of a call: its campaign's, else its queue's, else the default."""
        if campaign is not None and campaign in self.campaigns:
            return self.campaigns[campaign]
        if queue is not None and queue in self.queues:
            return self.queues[queue]
        return self.default


__all__ = ["Policy", "RecordingPolicies"]
