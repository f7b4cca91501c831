"""``ctidesk console`` in a real terminal: tmux at 80×24, keys sent, the pane read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cti.cli.demo import write_supervisor_launcher
from cti.protocol import ScreenPop
from tests.support.console_app import member_pop
from tests.support.desk_api import PASSWORD, ThreadedApi

CTIDESK = str(Path(sys.executable).with_name("ctidesk"))


class Tmux:
    """One detached tmux session of its own server socket (no clash with a user's tmux)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        tmux = shutil.which("tmux")
        assert tmux is not None, "tmux is part of the test setup (scripts/setup.sh installs it)"
        self.tmux = tmux
        self.socket = f"ctidesk-test-{uuid.uuid4().hex[:8]}"
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self._run("new-session", "-d", "-x", "80", "-y", "24", "-s", "console", *env_args,
                  " ".join(command))  # fmt: skip

    def _run(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True,
                              text=True, check=True, timeout=10)  # fmt: skip
        return done.stdout

    def send(self, *keys: str) -> None:
        """Type ``keys`` (tmux key names such as ``Enter``, or literal text)."""
        self._run("send-keys", "-t", "console", *keys)

    def screen(self) -> str:
        """The pane as text."""
        return self._run("capture-pane", "-p", "-t", "console")

    def wait_for(self, seen: Callable[[str], bool], within: float = 20) -> str:
        """The pane once ``seen(pane)`` holds; AssertionError with the pane after ``within``."""
        deadline = time.monotonic() + within
        pane = ""
        while time.monotonic() < deadline:
            pane = self.screen()
            if seen(pane):
                return pane
            time.sleep(0.1)
        raise AssertionError(f"not seen within {within} s; the pane shows:\n{pane}")

    def alive(self) -> bool:
        """Whether the session (the console) still runs."""
        done = subprocess.run([self.tmux, "-L", self.socket, "has-session", "-t", "console"],
                              capture_output=True, check=False, timeout=10)  # fmt: skip
        return done.returncode == 0

    def kill(self) -> None:
        """End the tmux server of this session."""
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True,
                       check=False, timeout=10)  # fmt: skip


@pytest.fixture
def tmux() -> Iterator[Callable[[list[str], dict[str, str]], Tmux]]:
    """Start ``Tmux(command, env)`` sessions; each is killed at the end of the test."""
    sessions: list[Tmux] = []

    def start(command: list[str], env: dict[str, str]) -> Tmux:
        session = Tmux(command, env)
        sessions.append(session)
        return session

    try:
        yield start
    finally:
        for session in sessions:
            session.kill()


@pytest.fixture
def console_in_tmux(
    desk_api: ThreadedApi, tmux: Callable[[list[str], dict[str, str]], Tmux]
) -> Tmux:
    """``ctidesk console`` for agent1 in an 80×24 tmux pane."""
    env = {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    sandbox = os.environ.get("CTIDESK_SANDBOX_DIR")
    if sandbox:
        env["CTIDESK_SANDBOX_DIR"] = sandbox
    return tmux([CTIDESK, "console", "--url", desk_api.base, "--user", "agent1"], env)


def test_the_console_runs_in_an_80x24_terminal(
    desk_api: ThreadedApi, console_in_tmux: Tmux
) -> None:
    tmux = console_in_tmux
    pane = tmux.wait_for(lambda text: "Password" in text)
    assert "agent1" in pane
    tmux.send("-l", PASSWORD)
    pane = tmux.screen()
    assert PASSWORD not in pane, "the password is not echoed"
    tmux.send("Enter")
    pane = tmux.wait_for(lambda text: "Signed out" in text and "sign in" in text)
    assert "Ext 6001" in pane
    assert all(len(line) <= 80 for line in pane.splitlines())

    deadline = time.monotonic() + 10
    while desk_api.consoles_of("agent1") == 0:
        assert time.monotonic() < deadline, "the console did not open its WebSocket"
        time.sleep(0.05)
    desk_api.push("agent1", member_pop(desk_api))
    pane = tmux.wait_for(lambda text: "李娜" in text)
    assert "RINGING" in pane and "1,200" in pane

    desk_api.push("agent1", ScreenPop("1772443800.99", "13900000001", None, None, None, None))
    pane = tmux.wait_for(lambda text: "New member" in text)
    tmux.send("Escape")
    tmux.wait_for(lambda text: "New member" not in text and "13900000001" in text)
    tmux.send("q")
    deadline = time.monotonic() + 10
    while tmux.alive():
        assert time.monotonic() < deadline, "q did not quit the console"
        time.sleep(0.1)


def test_the_demos_supervisor_launcher_opens_the_wall_board_without_typing_a_password(
    desk_api: ThreadedApi, tmp_path: Path, tmux: Callable[[list[str], dict[str, str]], Tmux]
) -> None:
    script = write_supervisor_launcher(tmp_path / "demo", desk_api.base, PASSWORD, user="boss")
    assert script.stat().st_mode & 0o777 == 0o700, "the password is in it"
    session = tmux(["sh", str(script)], {"TERM": "xterm-256color"})
    session.wait_for(lambda pane: "Wall-board" in pane and "Boss" in pane)
