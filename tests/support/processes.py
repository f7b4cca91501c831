"""Stopping a server the tests started, by its pid."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def stop_by_pid(
    process: subprocess.Popen[bytes], within: float = 10.0, *, resume: bool = False
) -> None:
    """End ``process``: SIGTERM, then SIGKILL if it is not gone ``within`` seconds, and reap
    it. ``resume``: SIGCONT first, for a process a test may have left stopped."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            if resume:
                os.kill(process.pid, signal.SIGCONT)
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=within)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=within)


__all__ = ["stop_by_pid"]
