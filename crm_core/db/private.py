"""Files that hold personal data are created for their owner alone: mode 600, folders 700.

The SQLite database (and its ``-wal``/``-shm``, which SQLite creates with the database's
mode), exports, recording archives and AMI captures go through these helpers rather than
``open``, whose mode depends on the process's umask. A file or folder that exists already
keeps its mode: :func:`warn_if_exposed` says when others can read it, and the operator
decides (``chmod``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
OTHERS = 0o007
"""Permission bits of everybody but the owner and the group (a group may be shared on
purpose, e.g. the recordings folder between the service and Asterisk)."""

log = logging.getLogger(__name__)


def private_directory(path: Path) -> Path:
    """Make ``path`` (and missing parents) as folders only the owner may enter; ``path``."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    for folder in missing:
        os.chmod(folder, DIRECTORY_MODE)  # mkdir's mode is masked by the umask
    return path


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 600 if it does not exist (an existing one is kept)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(descriptor)
    return path


def _private_opener(path: str, flags: int) -> int:
    descriptor = os.open(path, flags, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return descriptor


def open_private(path: Path, mode: str = "wb", **options: Any) -> IO[Any]:
    """``open(path, mode)`` that creates (or truncates) the file with mode 600."""
    return open(path, mode, opener=_private_opener, **options)


def exposed(path: Path) -> bool:
    """Whether ``path`` exists and everybody (not only its owner and group) may use it."""
    try:
        return bool(path.stat().st_mode & OTHERS)
    except FileNotFoundError:
        return False


def warn_if_exposed(paths: list[Path], what: str) -> list[Path]:
    """Log a warning naming each of ``paths`` others may read; the exposed ones."""
    found = [path for path in paths if exposed(path)]
    for path in found:
        mode = path.stat().st_mode & 0o777
        log.warning(
            "%s %s is readable by others (mode %03o): it holds personal data; "
            "chmod 600 it (700 for a folder)", what, path, mode,
        )  # fmt: skip
    return found


__all__ = [
    "DIRECTORY_MODE",
    "FILE_MODE",
    "create_private_file",
    "exposed",
    "open_private",
    "private_directory",
    "warn_if_exposed",
]
