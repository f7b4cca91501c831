"""Recording file names: made here from a time and random bits, never from request text.

A name is relative to the recordings directory: ``YYYY/MM/DD/YYYYMMDD-HHMMSS-<hex>.wav``.
:func:`resolve` turns an indexed name back into a path and refuses anything that could
leave the directory (``..``, absolute paths, odd characters, symlinks pointing out).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from crm_core.recording_index.schemas import FILE_NAME

_NAME = re.compile(FILE_NAME)


class UnsafeFileNameError(ValueError):
    """A recording file name that is not one this package makes."""


def new_file_name(started_at: datetime, *, token: str | None = None) -> str:
    """A fresh, unique relative file name for a recording started at ``started_at``."""
    moment = started_at.astimezone(UTC)
    token = token or secrets.token_hex(8)
    if not re.fullmatch(r"[0-9a-f]{8,32}", token):
        raise UnsafeFileNameError(f"token {token!r} is not lowercase hex")
    return f"{moment:%Y/%m/%d}/{moment:%Y%m%d-%H%M%S}-{token}.wav"


def check_file_name(file_name: str) -> str:
    """``file_name`` if it has the shape this package makes; :class:`UnsafeFileNameError` if not."""
    if not _NAME.fullmatch(file_name) or ".." in PurePosixPath(file_name).parts:
        raise UnsafeFileNameError(f"{file_name!r} is not a recording file name")
    return file_name


def resolve(root: Path, file_name: str) -> Path:
    """The path of an indexed recording under ``root``; refuses names that leave it."""
    check_file_name(file_name)
    base = root.resolve()
    path = (base / file_name).resolve()
    if not path.is_relative_to(base):
        raise UnsafeFileNameError(f"{file_name!r} points outside the recordings directory")
    return path


def asterisk_path(asterisk_root: str, file_name: str) -> str:
    """Where Asterisk writes ``file_name`` (its own view of the recordings directory)."""
    check_file_name(file_name)
    return str(PurePosixPath(asterisk_root) / file_name)


__all__ = ["UnsafeFileNameError", "asterisk_path", "check_file_name", "new_file_name", "resolve"]
