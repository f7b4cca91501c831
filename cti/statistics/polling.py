"""What the queue_log's readers share: a read's counts, and the task that reads every few
seconds (the file's tailer and the realtime table's source are its two kinds)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from cti.kpi import QueueLogLine


@dataclass(frozen=True)
class Step:
    """What one read did: lines stored, lines already there, lines malformed."""

    stored: int = 0
    already_stored: int = 0
    malformed: int = 0

    def __add__(self, other: Step) -> Step:
        return Step(self.stored + other.stored, self.already_stored + other.already_stored,
                    self.malformed + other.malformed)  # fmt: skip


class PolledReader:
    """Reads its source every ``poll_seconds`` in a task of its own: ``start``, ``stop``.
    A failure of :attr:`failures` is handed to :meth:`failed` and the next read tries
    again; :meth:`read` is the kind's own."""

    task_name: ClassVar[str] = "queue-log-reader"
    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    def __init__(
        self,
        *,
        poll_seconds: float,
        on_lines: Callable[[Sequence[QueueLogLine]], object],
    ) -> None:
        self.poll_seconds = poll_seconds
        self.on_lines = on_lines
        """Told each read's new lines once they are stored (the live figures)."""
        self._task: asyncio.Task[None] | None = None
        self.steps = 0
        """Reads done (tests wait on it)."""
        self.caught_up = asyncio.Event()
        """Set once the first read took everything there before it (or failed)."""

    async def start(self) -> None:
        """Read what is there, then keep reading every ``poll_seconds``."""
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Stop reading (a read in progress finishes its transaction first)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def read(self) -> Step:
        """Take everything new from the source."""
        raise NotImplementedError

    async def failed(self, error: Exception) -> None:
        """A read failed with ``error`` (one of :attr:`failures`)."""

    async def _run(self) -> None:
        while True:
            try:
                await self.read()
            except self.failures as error:
                await self.failed(error)
            self.caught_up.set()
            await asyncio.sleep(self.poll_seconds)


__all__ = ["PolledReader", "Step"]
