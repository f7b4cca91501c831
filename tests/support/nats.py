"""A throwaway NATS server for the test session.

``nats-server`` (the Debian package; ``scripts/setup.sh --with-nats``) listens on 127.0.0.1
on a free port, with its monitoring endpoint on another (``/varz`` counts messages and
slow consumers), JetStream off, and is stopped by pid. It never touches a system unit.

Usage::

    server = NatsServer().start()
    try:
        url = server.url          # nats://127.0.0.1:PORT
    finally:
        server.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Self

from tests.support.processes import stop_by_pid

SETUP_HINT = "run `scripts/setup.sh --with-nats` (as root) to install it"
_READY_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class NatsServer:
    """A ``nats-server`` process of the test session; see the module docstring."""

    def __init__(self, *, binary: str = "nats-server") -> None:
        self._binary = binary
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self.port = 0
        self.monitor_port = 0

    @property
    def url(self) -> str:
        """The client URL, ``nats://127.0.0.1:PORT``."""
        if self._process is None:
            raise RuntimeError("NatsServer is not started")
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id."""
        if self._process is None:
            raise RuntimeError("NatsServer is not started")
        return self._process.pid

    def start(self) -> Self:
        """Start the server and wait until it accepts connections; returns self."""
        if self._process is not None:
            return self
        path = shutil.which(self._binary)
        if path is None:
            raise RuntimeError(f"{self._binary} not found; {SETUP_HINT}")
        self._dir = Path(tempfile.mkdtemp(prefix="ctidesk-nats-"))
        if not self.port:
            self.port, self.monitor_port = free_port(), free_port()
        command = [path, "-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port),
                   "-l", str(self._dir / "log")]  # fmt: skip
        atexit.register(self.stop)
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not _accepts(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.log_text()
                self.stop()
                raise RuntimeError(f"nats-server did not start on port {self.port}:\n{log}")
            time.sleep(0.05)
        return self

    def restart(self) -> None:
        """Stop the server by pid and start it again on the same ports (clients reconnect)."""
        self.stop()
        self.start()

    def log_text(self) -> str:
        """What the server logged so far."""
        if self._dir is None:
            return ""
        with contextlib.suppress(OSError):
            return (self._dir / "log").read_text()
        return ""

    def varz(self) -> dict[str, Any]:
        """The server's ``/varz`` (message counts, slow consumers, connections)."""
        url = f"http://127.0.0.1:{self.monitor_port}/varz"
        with urllib.request.urlopen(url, timeout=5) as response:
            found: dict[str, Any] = json.load(response)
            return found

    def stop(self) -> None:
        """Stop the server by pid (SIGTERM, then SIGKILL) and remove its files; idempotent."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None:
            stop_by_pid(process, _STOP_TIMEOUT_S)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


__all__ = ["SETUP_HINT", "NatsServer", "free_port"]
