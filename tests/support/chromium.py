"""Headless Chromium from Debian's packages (``scripts/setup.sh --with-browser``), driven
over the DevTools protocol: no browser is downloaded and no driver program is needed.

``Chromium().start()`` runs ``chromium --headless=new --no-sandbox`` (the tests run as root,
where Chromium's own sandbox cannot start) with a profile of its own and DevTools on a
port it picks; ``stop()`` ends it by pid. :mod:`tests.support.devtools` speaks to its pages.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Self

from tests.support.processes import stop_by_pid

SETUP_HINT = "run `scripts/setup.sh --with-browser` (as root) to install Debian's chromium"
_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
#: The window's size in CSS pixels: the page's terminal gets as many cells as fit in it.
WINDOW = (1280, 800)


class Chromium:
    """A headless Chromium of the test session; see the module docstring."""

    def __init__(self, *, binary: str = "chromium") -> None:
        self._binary = binary
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self.devtools_port = 0

    @property
    def pid(self) -> int:
        """The browser's process id."""
        if self._process is None:
            raise RuntimeError("Chromium is not started")
        return self._process.pid

    def start(self) -> Self:
        """Start the browser and wait until its DevTools endpoint answers; returns self."""
        if self._process is not None:
            return self
        path = shutil.which(self._binary)
        if path is None:
            raise RuntimeError(f"{self._binary} not found; {SETUP_HINT}")
        self._dir = Path(tempfile.mkdtemp(prefix="ctidesk-chromium-"))
        command = [
            path, "--headless=new", "--no-sandbox", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", f"--user-data-dir={self._dir / 'profile'}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars", "about:blank",
        ]  # fmt: skip
        atexit.register(self.stop)
        with (self._dir / "log").open("wb") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        # Chromium writes the port it took (and the browser's path) to this file when ready.
        active = self._dir / "profile" / "DevToolsActivePort"
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not self._answers(active):
            if self._process.poll() is not None or time.monotonic() > deadline:
                log_text = self.log_text()
                self.stop()
                raise RuntimeError(f"chromium did not start its DevTools endpoint:\n{log_text}")
            time.sleep(0.05)
        return self

    def _answers(self, active: Path) -> bool:
        try:
            self.devtools_port = int(active.read_text().split()[0])
            with urllib.request.urlopen(self.endpoint("/json/version"), timeout=2) as response:
                return bool(json.load(response).get("Browser"))
        except (OSError, ValueError, IndexError):
            return False

    def endpoint(self, path: str) -> str:
        """The address of ``path`` on the DevTools HTTP endpoint."""
        return f"http://127.0.0.1:{self.devtools_port}{path}"

    def log_text(self) -> str:
        """What the browser wrote to stdout and stderr so far."""
        if self._dir is None:
            return ""
        try:
            return (self._dir / "log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the browser by pid (SIGTERM, then SIGKILL) and remove its profile; idempotent."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None:
            stop_by_pid(process, _STOP_TIMEOUT_S)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


__all__ = ["SETUP_HINT", "WINDOW", "Chromium"]
