"""A small AMI frame reader: raw manager text to ``Key: Value`` dicts (for fixtures and tools).

Frames are ``Key: Value`` lines ending in CR LF, separated by an empty line. Bytes are
decoded incrementally, so a UTF-8 character split across two reads is kept whole.
"""

from __future__ import annotations

import codecs

_EOL = "\r\n"
_END = "\r\n\r\n"


def parse_frame(text: str) -> dict[str, str]:
    """One frame's lines as a dict (a repeated key keeps its last value; bad lines are skipped)."""
    frame: dict[str, str] = {}
    for line in text.split(_EOL):
        key, sep, value = line.partition(": ")
        if sep:
            frame[key] = value
        elif line.endswith(":"):
            frame[line[:-1]] = ""
    return frame


class FrameReader:
    """Feed bytes as they arrive; get back the complete frames they finish."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes) -> list[dict[str, str]]:
        """The frames completed by ``data`` (a greeting line without ``: `` yields nothing)."""
        text = self._pending + self._decoder.decode(data)
        parts = text.split(_END)
        self._pending = parts.pop()
        return [frame for frame in map(parse_frame, parts) if frame]


def parse_stream(data: bytes) -> list[dict[str, str]]:
    """Every complete frame in a whole recorded stream."""
    return FrameReader().feed(data)
