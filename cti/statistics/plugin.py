"""Wiring of statistics: the queue_log read continuously when the settings name it."""

from __future__ import annotations

from pathlib import Path

from cti.bus.wiring import Wiring
from cti.statistics.tailer import QueueLogTailer


def load(wiring: Wiring) -> QueueLogTailer | None:
    """Read ``[stats] queue_log`` into the store while the service runs (None: not set)."""
    settings = wiring.settings.stats
    if not settings.queue_log:
        return None
    tailer = QueueLogTailer(
        path=Path(settings.queue_log),
        server=settings.server,
        store=wiring.crm.queue_log,
        poll_seconds=settings.poll_seconds,
    )
    wiring.run(tailer)
    return tailer


__all__ = ["load"]
