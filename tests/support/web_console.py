"""``ctidesk console --web`` as a process of the test, on a free loopback port, stopped by pid."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.nats import free_port

_STOP_TIMEOUT_S = 10.0
CTIDESK = str(Path(sys.executable).with_name("ctidesk"))


class WebConsole:
    """A ``ctidesk console --web`` process for one service, stopped by pid."""

    def __init__(self, service_url: str, log: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        environment = {k: v for k, v in os.environ.items() if k != "CTIDESK_CONSOLE_PASSWORD"}
        command = [CTIDESK, "console", "--web",
                   "--port", str(self.port), "--url", service_url, *options]  # fmt: skip
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, env=environment
            )

    async def listening(self, within: float = 30) -> None:
        """Return once the server accepts connections (AssertionError with its log if not)."""
        async with asyncio.timeout(within):
            while True:
                assert self.process.poll() is None, f"it stopped:\n{self.log.read_text()}"
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                await writer.wait_closed()
                return

    async def stop(self) -> int:
        """Stop the server by pid (SIGTERM: it ends its sessions, then exits); its exit code.
        The wait leaves the event loop free: the service in it answers the consoles' last
        requests."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                return await asyncio.to_thread(self.process.wait, timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        return await asyncio.to_thread(self.process.wait, timeout=_STOP_TIMEOUT_S)

    async def kill(self) -> int:
        """Kill the server by pid (SIGKILL: it can tell no session); its exit code."""
        os.kill(self.process.pid, signal.SIGKILL)
        return await asyncio.to_thread(self.process.wait, timeout=_STOP_TIMEOUT_S)


__all__ = ["WebConsole"]
