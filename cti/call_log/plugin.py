"""Wiring of the call log: one record per call, written when it ends; the records' route."""

from __future__ import annotations

from collections.abc import Callable

from cti.bus.callers import Callers
from cti.bus.wiring import Wiring
from cti.call_log.http import CALL_LOG_ROUTES
from cti.call_log.services import CallLogWriter


def load(
    wiring: Wiring, *, callers: Callers, recording_of: Callable[[str], str | None]
) -> CallLogWriter:
    """Write every call's record (with its member and first recording) when it ends."""
    writer = CallLogWriter(
        crm=wiring.crm, callers=callers, agents=wiring.agents, recording_of=recording_of
    )
    wiring.listen(writer)
    wiring.drain(writer.drain)
    wiring.add_routes(CALL_LOG_ROUTES)
    return writer


__all__ = ["load"]
