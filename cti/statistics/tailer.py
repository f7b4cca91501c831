"""Reading Asterisk's queue_log file as it grows, across rotations and restarts.

Each read takes the whole lines written since the last one (a line still being written
waits for its newline), parses them (``cti.kpi``; a malformed line is logged with its
byte offset and left out) and stores them together with the new position in one
transaction: after a restart the reading resumes at that byte, so no line is read twice
and none is skipped. The position names the file by its inode. When ``queue_log`` has a
new inode (``logger rotate`` renamed the old one), the rest of the old file is read
first from its new name beside it (``queue_log.1``, ``queue_log-20261207``…), then the
new file from its start. A file shorter than the position (truncated in place) is read
again from the start; lines already stored are skipped by the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from crm_core.queue_log.services import Position, QueueLogStore, StoreResult
from cti.kpi import QueueLogError, QueueLogLine, parse_line
from cti.statistics.lines import stored
from cti.statistics.stored import rebuild_stints

log = logging.getLogger(__name__)

READ_LIMIT = 8 * 1024 * 1024
"""Bytes read per step at most (a large backlog is taken in several transactions)."""


@dataclass(frozen=True)
class Step:
    """What one read did: lines stored, lines already there, lines malformed."""

    stored: int = 0
    already_stored: int = 0
    malformed: int = 0


def _parsed(text: str) -> QueueLogLine | None:
    try:
        return parse_line(text)
    except QueueLogError as error:
        log.warning("queue_log: a malformed line left out: %s", error)
        return None


class QueueLogTailer:
    """Follows one server's queue_log file into the store."""

    def __init__(
        self,
        *,
        path: Path,
        server: str,
        store: QueueLogStore,
        poll_seconds: float = 1.0,
        on_lines: Callable[[Sequence[QueueLogLine]], object] = lambda _lines: None,
    ) -> None:
        self.path = path
        self.server = server
        self.store = store
        self.poll_seconds = poll_seconds
        self.on_lines = on_lines
        """Told each read's lines once they are stored (the live figures)."""
        self._task: asyncio.Task[None] | None = None
        self.steps = 0
        """Reads done (tests wait on it)."""
        self.caught_up = asyncio.Event()
        """Set once the first read took everything written before it (or failed)."""

    async def start(self) -> None:
        """Read what is there, then keep reading every ``poll_seconds``."""
        self._task = asyncio.create_task(self._run(), name="queue-log-tailer")

    async def stop(self) -> None:
        """Stop reading (a read in progress finishes its transaction first)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.read()
            except OSError as error:
                log.warning("queue_log %s: %s", self.path, error)
            self.caught_up.set()
            await asyncio.sleep(self.poll_seconds)

    async def read(self) -> Step:
        """Take everything new: the rest of a rotated file, then the current one."""
        total = Step()
        saved = await self.store.position(self.server, str(self.path))
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return total
        if saved is not None and saved.inode != current.st_ino:
            rotated = self._rotated(saved.inode)
            if rotated is not None:
                total = _sum(total, await self._drain(rotated, saved.offset, saved.inode))
            saved = None  # the new file is read from its start
        offset = saved.offset if saved is not None else 0
        if offset > current.st_size:
            log.warning("queue_log %s is shorter than where reading stopped: from the start",
                        self.path)  # fmt: skip
            offset = 0
        total = _sum(total, await self._drain(self.path, offset, current.st_ino))
        self.steps += 1
        return total

    async def _drain(self, path: Path, offset: int, inode: int) -> Step:
        """Read ``path`` from ``offset`` until no whole line is left."""
        total = Step()
        while True:
            step, after = await self._read_file(path, offset, inode)
            total = _sum(total, step)
            if after == offset:
                return total
            offset = after

    def _rotated(self, inode: int) -> Path | None:
        """The file beside ``path`` that now has ``inode`` (the renamed old log)."""
        for sibling in self.path.parent.glob(self.path.name + "*"):
            with contextlib.suppress(OSError):
                if sibling != self.path and sibling.stat().st_ino == inode:
                    return sibling
        return None

    async def _read_file(self, path: Path, offset: int, inode: int) -> tuple[Step, int]:
        """Store the whole lines of ``path`` from ``offset`` (``READ_LIMIT`` bytes at most);
        what was done and the offset after them (where the position now stands)."""
        with path.open("rb") as file:
            file.seek(offset)
            chunk = file.read(READ_LIMIT)
        end = chunk.rfind(b"\n")
        if end < 0:
            return Step(), offset
        texts = chunk[: end + 1].decode("utf-8", errors="replace").splitlines()
        read = [(line, text) for text in texts if text and (line := _parsed(text)) is not None]
        position = Position(str(self.path), inode, offset + end + 1)
        result: StoreResult = await self.store.add(
            self.server, [stored(line, text) for line, text in read], position, rebuild_stints
        )
        self.on_lines([line for line, _text in read])
        malformed = sum(1 for text in texts if text) - len(read)
        return Step(result.added, result.already_stored, malformed), position.offset


def _sum(a: Step, b: Step) -> Step:
    return Step(a.stored + b.stored, a.already_stored + b.already_stored, a.malformed + b.malformed)


__all__ = ["READ_LIMIT", "QueueLogTailer", "Step"]
