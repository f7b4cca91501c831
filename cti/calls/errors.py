"""Errors of call control beyond the shared ones of `cti.bus.legs` (unknown, ended, not yours)."""

from __future__ import annotations

from typing import ClassVar

from cti.http.errors import ApiError


class UnknownTargetError(ApiError):
    """A transfer or conference target that is no agent, queue or number."""

    status: ClassVar[int] = 404
    error_id: ClassVar[str] = "unknown-target"


__all__ = ["UnknownTargetError"]
