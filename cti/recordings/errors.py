"""Errors of recording control beyond the shared ones of `cti.bus.legs`."""

from __future__ import annotations

from typing import ClassVar

from cti.http.errors import ApiError


class RecordingRefusedError(ApiError):
    """The call's recording policy does not allow this (policy ``none``)."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "recording-refused"


__all__ = ["RecordingRefusedError"]
