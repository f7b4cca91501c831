"""Our AMI frame parser over bytes; replaces panoramisk's ``AMIProtocol.data_received``.

panoramisk 1.4 decodes every TCP read on its own with ``errors='ignore'``, so a UTF-8
character split across two reads is silently dropped (``José`` → ``Jos``). We keep bytes
until a frame is complete (``\\r\\n\\r\\n``) and only then decode it, so a character can never
straddle a decode. Bytes that are not UTF-8 at all become U+FFFD and are logged. A frame
without an ``Event`` or ``Response`` key is logged and skipped; it never stops the reader.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from cti.ami.message import AmiMessage

log = logging.getLogger(__name__)

FRAME_END = b"\r\n\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"
MAX_FRAME_BYTES = 1 << 20
_LINE = re.compile(r"\r?\n")


def parse_frame(text: str) -> tuple[AmiMessage | None, int]:
    """Parse one decoded frame: the message (None if not AMI) and its count of bad lines."""
    headers: list[tuple[str, str]] = []
    bad_lines = 0
    for line in _LINE.split(text):
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            if line and not line.startswith(BANNER_PREFIX):
                bad_lines += 1
            continue
        headers.append((key, value[1:] if value.startswith(" ") else value))
    message = AmiMessage(tuple(headers))
    if not message.is_event and "response" not in message:
        return None, bad_lines
    return message, bad_lines


class FrameParser:
    """Feed it bytes as they arrive; it returns each complete AMI frame as an `AmiMessage`.

    `malformed` counts frames skipped (no Event/Response, or longer than `max_frame_bytes`),
    `undecodable` counts frames that held bytes which are not UTF-8.
    """

    def __init__(self, *, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.malformed = 0
        self.undecodable = 0
        self._buffer = bytearray()
        self._searched = 0
        self._discarding = False

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for the end of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[AmiMessage]:
        """Add `data`; return the messages of every frame it completed, in order."""
        buffer = self._buffer
        buffer += data
        messages: list[AmiMessage] = []
        start = 0
        while True:
            end = buffer.find(FRAME_END, max(start, self._searched))
            if end < 0:
                break
            frame = bytes(buffer[start:end])
            start = end + len(FRAME_END)
            self._searched = start
            if self._discarding:
                self._discarding = False
                continue
            message = self._decode(frame)
            if message is not None:
                messages.append(message)
        del buffer[:start]
        self._searched = max(0, len(buffer) - len(FRAME_END) + 1)
        if len(buffer) > self.max_frame_bytes:
            log.warning("AMI frame longer than %d bytes: discarded", self.max_frame_bytes)
            self.malformed += 1
            self._discarding = True
            del buffer[: -len(FRAME_END)]
            self._searched = 0
        return messages

    def _decode(self, frame: bytes) -> AmiMessage | None:
        frame = frame.strip(b"\r\n")
        if not frame:
            return None
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError:
            self.undecodable += 1
            text = frame.decode("utf-8", errors="replace")
            log.warning("AMI frame holds bytes that are not UTF-8: replaced with U+FFFD")
        message, bad_lines = parse_frame(text)
        if message is None:
            self.malformed += 1
            log.warning("malformed AMI frame skipped (no Event or Response): %.200r", text)
        elif bad_lines:
            log.debug("AMI frame with %d line(s) not 'Key: Value' ignored", bad_lines)
        return message


def parse_stream(chunks: Iterable[bytes]) -> Iterator[AmiMessage]:
    """Every message in a byte stream given in chunks (for replaying a recording)."""
    parser = FrameParser()
    for chunk in chunks:
        yield from parser.feed(chunk)


def read_recording(path: Path, *, chunk_size: int = 65536) -> Iterator[AmiMessage]:
    """Every message of a file written by ``ctidesk ami record`` (see `cti.ami.capture`)."""
    with path.open("rb") as stream:
        yield from parse_stream(iter(lambda: stream.read(chunk_size), b""))
