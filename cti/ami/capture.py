"""Capturing the raw AMI stream to a file: ``ctidesk ami record``'s format and writer.

A recording is the bytes exactly as Asterisk sent them on the AMI socket, starting with
the ``Asterisk Call Manager/x.y.z`` banner line: UTF-8 frames of ``Key: Value`` lines
separated by CR LF, each frame ending with an empty line (CR LF CR LF). Responses to our
own actions (Login, Ping, resync lists) are in it too; a reconnect shows as a new banner
line before the next frame. Nothing we send is recorded, so the AMI secret never is.
The file is created mode 600 (it holds callers' numbers and names). Replay it with
`cti.ami.framing.read_recording`, which yields `AmiMessage` objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

CAPTURE_MODE = 0o600
"""A capture holds callers' numbers and names: readable by its owner alone."""


def _owner_only(path: str, flags: int) -> int:
    descriptor = os.open(path, flags, CAPTURE_MODE)
    os.fchmod(descriptor, CAPTURE_MODE)
    return descriptor


class StreamRecorder:
    """Appends raw AMI bytes to a file; use it as the client's ``on_raw`` tap."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bytes_written = 0
        self._stream: BinaryIO = open(  # noqa: SIM115 - closed by close()
            path, "wb", buffering=256 * 1024, opener=_owner_only
        )

    def write(self, data: bytes) -> None:
        """Append `data` to the buffered file (no disk wait in the reader path)."""
        self._stream.write(data)
        self.bytes_written += len(data)

    def close(self) -> None:
        """Flush and close the file."""
        if not self._stream.closed:
            self._stream.close()

    def __enter__(self) -> StreamRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
