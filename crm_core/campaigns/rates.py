"""The abandon rate: one definition for the pacer, the API and the wall-board.

A call is *abandoned* when a person answered and no agent was connected within the
deadline (they heard the identification message instead). The rate's denominator is the
calls **answered by a person**: not every dial (that understates the regulated rate by
about one over the answer rate) and not answering machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ABANDON_CAP = 0.03
"""The highest abandon target a campaign may set (US FTC/FCC: 3 % over 30 days)."""
MONTH = timedelta(days=30)
"""The regulated window of the rolling rate."""
DAY = timedelta(hours=24)
"""The short window the supervisor watches beside the regulated one."""


@dataclass(frozen=True)
class AbandonCounts:
    """Calls answered by a person and, of those, abandoned, over one window."""

    answered_by_person: int
    abandoned: int

    def __post_init__(self) -> None:
        if self.answered_by_person < 0 or self.abandoned < 0:
            raise ValueError("counts cannot be negative")
        if self.abandoned > self.answered_by_person:
            raise ValueError("more abandoned calls than calls answered by a person")


def abandon_rate(counts: AbandonCounts) -> float:
    """Abandoned over answered by a person, 0.0 when nobody has answered yet."""
    if counts.answered_by_person == 0:
        return 0.0
    return counts.abandoned / counts.answered_by_person
