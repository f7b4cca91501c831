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

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from crm_core.queue_log.services import Position, QueueLogStore, StoreResult
from cti.kpi import QueueLogError, QueueLogLine, parse_line
from cti.statistics.lines import stored
from cti.statistics.polling import PolledReader, Step
from cti.statistics.stored import rebuild_stints

log = logging.getLogger(__name__)

READ_LIMIT = 8 * 1024 * 1024
"""Bytes read per step at most (a large backlog is taken in several transactions)."""


def _parsed(text: str) -> QueueLogLine | None:
    try:
        return parse_line(text)
    except QueueLogError as error:
        log.warning("queue_log: a malformed line left out: %s", error)
        return None


class QueueLogTailer(PolledReader):
    """Follows one server's queue_log file into the store."""

    task_name = "queue-log-tailer"

    def __init__(
        self,
        *,
        path: Path,
        server: str,
        store: QueueLogStore,
        poll_seconds: float = 1.0,
        on_lines: Callable[[Sequence[QueueLogLine]], object] = lambda _lines: None,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds, on_lines=on_lines)
        self.path = path
        self.server = server
        self.store = store

    async def failed(self, error: Exception) -> None:
        """The file could not be read: said, and read again at the next poll."""
        log.warning("queue_log %s: %s", self.path, error)

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
                total = total + await self._drain(rotated, saved.offset, saved.inode)
            saved = None  # the new file is read from its start
        offset = saved.offset if saved is not None else 0
        if offset > current.st_size:
            log.warning("queue_log %s is shorter than where reading stopped: from the start",
                        self.path)  # fmt: skip
            offset = 0
        total = total + await self._drain(self.path, offset, current.st_ino)
        self.steps += 1
        return total

    async def _drain(self, path: Path, offset: int, inode: int) -> Step:
        """Read ``path`` from ``offset`` until no whole line is left."""
        total = Step()
        while True:
            step, after = await self._read_file(path, offset, inode)
            total = total + step
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


__all__ = ["READ_LIMIT", "QueueLogTailer", "Step"]
