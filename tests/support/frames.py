"""AMI frames written in a test, of the type the production parser yields."""

from __future__ import annotations

from collections.abc import Mapping

from cti.ami import AmiMessage


def frame(fields: Mapping[str, str]) -> AmiMessage:
    """An AMI frame with these headers, in their order."""
    return AmiMessage(tuple(fields.items()))
