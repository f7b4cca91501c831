"""Wiring of statistics: the queue_log read continuously when the settings name it."""

from __future__ import annotations

from pathlib import Path

from cti.bus.wiring import Wiring
from cti.statistics.http import stats_routes
from cti.statistics.tailer import QueueLogTailer


def load(wiring: Wiring) -> QueueLogTailer | None:
    """Serve the statistics routes; read ``[stats] queue_log`` into the store while the
    service runs (the reader, or None when not set)."""
    wiring.add_routes(stats_routes(wiring.settings))
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
