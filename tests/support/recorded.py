"""The recorded Asterisk 22 calls the model and live-update tests replay."""

from __future__ import annotations

from pathlib import Path

from cti.ami import AmiMessage, read_recording
from tests.support.paths import AMI_FIXTURES

RECORDING = AMI_FIXTURES / "recorded-answered-call.ami"


AGENT = "Local/6001@test-phones/n"


def recorded_events(path: Path = RECORDING) -> list[tuple[AmiMessage, float]]:
    """A recording's events with their timestamps."""
    return [
        (message, float(message.get("Timestamp") or 0.0))
        for message in read_recording(path)
        if message.is_event
    ]
