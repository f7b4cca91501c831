"""``ctidesk serve`` nodes in processes of their own, for the tests that kill or pause one.

Each node gets its settings from the environment (the shared database and bus, its name
and roles, short leases), writes its log to a file, and is signalled and stopped by pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from crm_core.leases.schemas import NodeLeaseView
from crm_core.wiring import Crm
from tests.support.processes import stop_by_pid

CTIDESK = str(Path(sys.executable).with_name("ctidesk"))
_STOP_WITHIN_S = 15.0


class NodeProcess:
    """One ``ctidesk serve --role ...`` process; see the module docstring."""

    def __init__(self, *, name: str, roles: str, log_dir: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._env = {
            **os.environ, "CTIDESK_NODE_NAME": name, "CTIDESK_API_PORT": "0",
            "CTIDESK_AGI_PORT": "0", **env,
        }  # fmt: skip
        self._roles = roles
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The node's process id."""
        if self._process is None:
            raise RuntimeError(f"node {self.name} is not started")
        return self._process.pid

    def start(self) -> NodeProcess:
        """Start the node (it runs in the background; wait on what it does)."""
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [CTIDESK, "serve", "--role", self._roles], env=self._env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return self

    def signal(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the node (SIGKILL, SIGSTOP, SIGCONT)."""
        os.kill(self.pid, signum)

    def log_text(self) -> str:
        """What the node logged so far."""
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def stop(self) -> None:
        """Stop the node by pid (SIGCONT in case it is paused, SIGTERM, then SIGKILL)."""
        process, self._process = self._process, None
        if process is not None:
            stop_by_pid(process, _STOP_WITHIN_S, resume=True)

    def wait_gone(self) -> int:
        """Wait for the process to end (after SIGKILL); its exit status."""
        if self._process is None:
            raise RuntimeError(f"node {self.name} is not started")
        return self._process.wait(timeout=_STOP_WITHIN_S)


async def until(
    condition: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.1
) -> float:
    """Poll ``condition()`` (state in another process: nothing to wait on) until true;
    the seconds it took. ``TimeoutError`` after ``within`` seconds."""
    started = time.monotonic()
    async with asyncio.timeout(within):
        # Another process's state (a lease row, its log) sends no event to wait on.
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(every)
    return time.monotonic() - started


async def lease_named(crm: Crm, name: str) -> NodeLeaseView | None:
    """The lease row called ``name``, if there is one."""
    return next((lease for lease in await crm.leases.listed() if lease.name == name), None)


def holder_node(lease: NodeLeaseView | None, nodes: list[NodeProcess]) -> NodeProcess | None:
    """Which of ``nodes`` holds ``lease`` (its holder is the node's instance)."""
    if lease is None:
        return None
    return next((n for n in nodes if lease.holder.startswith(f"{n.name}:")), None)


def taken_by(
    crm: Crm, name: str, after: NodeLeaseView, nodes: list[NodeProcess]
) -> Callable[[], Awaitable[bool]]:
    """A condition for :func:`until`: lease ``name`` is held by one of ``nodes`` at an
    epoch later than ``after``'s."""

    async def taken() -> bool:
        now = await lease_named(crm, name)
        return now is not None and now.epoch > after.epoch and holder_node(now, nodes) is not None

    return taken


__all__ = ["CTIDESK", "NodeProcess", "holder_node", "lease_named", "taken_by", "until"]
