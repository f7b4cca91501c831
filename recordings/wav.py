"""What a recording file holds, read from the file itself: duration, size, checksum, damage.

Asterisk writes a RIFF/WAVE header first and fixes its sizes when the recording closes;
a file whose ``data`` chunk says more than the file holds (or zero while bytes follow)
was cut short (disk full, crash). Such files are reported, never crashed on.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 16


@dataclass(frozen=True)
class WavFacts:
    """What :func:`inspect` found; ``problem`` is None for a sound file."""

    exists: bool
    size_bytes: int | None
    duration_seconds: float | None
    sha256: str | None
    problem: str | None

    @property
    def complete(self) -> bool:
        """Whether the file is there and whole."""
        return self.exists and self.problem is None


def _checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _header(path: Path, size: int) -> tuple[float | None, str | None]:
    """(duration, problem) from the RIFF chunks."""
    with path.open("rb") as stream:
        head = stream.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None, "not a WAV file (no RIFF/WAVE header)"
        byte_rate: int | None = None
        while True:
            chunk = stream.read(8)
            if len(chunk) < 8:
                return None, "truncated: no data chunk"
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            start = stream.tell()
            if name == b"fmt ":
                fmt = stream.read(min(length, 16))
                if len(fmt) < 16:
                    return None, "truncated: short fmt chunk"
                byte_rate = struct.unpack("<HHIIHH", fmt)[3]
            elif name == b"data":
                if not byte_rate:
                    return None, "no fmt chunk before the data"
                available = size - start
                if length == 0 and available > 0:
                    return available / byte_rate, "truncated: header never finalised"
                if length > available:
                    return available / byte_rate, (
                        f"truncated: header says {length} bytes of sound, file holds {available}"
                    )
                return length / byte_rate, None
            stream.seek(start + length + (length & 1))


def inspect(path: Path) -> WavFacts:
    """Duration, size and checksum of a recording file, or what is wrong with it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return WavFacts(False, None, None, None, "missing: no file on disk")
    except OSError as error:
        return WavFacts(False, None, None, None, f"unreadable: {error.strerror}")
    try:
        duration, problem = _header(path, size)
        checksum = _checksum(path)
    except OSError as error:
        return WavFacts(True, size, None, None, f"unreadable: {error.strerror}")
    return WavFacts(True, size, duration, checksum, problem)


__all__ = ["WavFacts", "inspect"]
