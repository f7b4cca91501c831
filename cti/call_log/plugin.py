"""Wiring of the call log: one record per call, written when it ends; the records' route."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cti.bus.callers import Callers
from cti.bus.wiring import Wiring
from cti.call_log.http import CALL_LOG_ROUTES
from cti.call_log.services import CallLogWriter


class ParkedReplay:
    """Writes the call records parked in the outbox, in the background, when the service starts."""

    def __init__(self, writer: CallLogWriter) -> None:
        self._writer = writer
        self._task: asyncio.Task[tuple[int, int]] | None = None

    async def start(self) -> None:
        """Begin the replay; it runs beside the service."""
        self._task = asyncio.get_running_loop().create_task(self._writer.replay_parked())

    async def stop(self) -> None:
        """Let the replay finish (each record is one short transaction)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


def load(
    wiring: Wiring,
    *,
    callers: Callers,
    recording_of: Callable[[str], str | None],
    server: Callable[[], str] = lambda: "",
) -> CallLogWriter:
    """Write every call's record (with its member and first recording) when it ends, under
    ``server()``, the systemname of the edge's Asterisk ("" on a single node)."""
    writer = CallLogWriter(
        crm=wiring.crm, callers=callers, agents=wiring.agents, recording_of=recording_of,
        server=server,
    )  # fmt: skip
    wiring.listen(writer)
    wiring.drain(writer.drain)
    wiring.run(ParkedReplay(writer))
    wiring.add_routes(CALL_LOG_ROUTES)
    return writer


__all__ = ["ParkedReplay", "load"]
