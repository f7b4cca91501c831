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
from cti.protocol import CallUpdate, ScreenPop
from tests.support.console_app import CALL, member_pop
from tests.support.desk_api import MEMBER_PHONE, PASSWORD, ThreadedApi
from tests.support.desk_story import story_pop

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

    def coloured(self) -> str:
        """The pane with its colours (escape sequences kept)."""
        return self._run("capture-pane", "-p", "-e", "-t", "console")

    def _tops(self) -> list[str]:
        """The top border lines of the fields on screen, colours kept."""
        return [line for line in self.coloured().splitlines() if "▔▔▔▔" in line]

    def form_ready(self, title: str) -> str:
        """Wait for the form ``title`` with its first field focused (its border lit, unlike
        the others'): keys sent before focus lands would be lost. The lit border's line."""
        deadline = time.monotonic() + 20
        while True:
            tops = self._tops()
            if title in self.screen() and len(tops) > 1 and tops[0] != tops[1]:
                return tops[0]
            assert time.monotonic() < deadline, f"{title} not ready:\n{self.screen()}"
            time.sleep(0.05)

    def focused_field(self, lit: str) -> int | None:
        """Which field is focused (the one whose border is ``lit``), if a form is open."""
        tops = self._tops()
        return tops.index(lit) if lit in tops else None

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


class CountingTmux:
    """A tmux session that counts the keys the agent presses (literal text: one per letter)."""

    def __init__(self, session: Tmux) -> None:
        self.session = session
        self.keys = 0

    def press(self, *keys: str) -> None:
        """Press each of ``keys`` (tmux key names, or one character each)."""
        for key in keys:
            self.session.send(key)
            self.keys += 1

    def enter_fields(self, lit: str, count: int) -> None:
        """Enter in each of ``count`` fields, waiting for focus to land on the next one each
        time (a pane captured mid-repaint may show no lit field for a moment); the last
        Enter submits the form."""
        for field in range(count):
            self.press("Enter")
            if field == count - 1:
                return
            deadline = time.monotonic() + 20
            while self.session.focused_field(lit) != field + 1:
                assert time.monotonic() < deadline, f"Enter did not move on from field {field}"
                time.sleep(0.05)

    def type(self, text: str) -> None:
        """Type ``text`` (one key per character)."""
        self.session.send("-l", text)
        self.keys += len(text)


def test_one_whole_call_at_80x24_takes_15_keys(
    desk_api: ThreadedApi, console_in_tmux: Tmux
) -> None:
    """Answer (on the phone), read the requests and the ledger, grant points, open a request,
    wrap up with a code: the keys the agent presses from the ring to the wrap-up."""
    tmux = console_in_tmux
    tmux.wait_for(lambda text: "Password" in text)
    tmux.send("-l", PASSWORD)
    tmux.send("Enter")
    tmux.wait_for(lambda text: "Signed out" in text)
    deadline = time.monotonic() + 10
    while desk_api.consoles_of("agent1") == 0:
        assert time.monotonic() < deadline, "the console did not open its WebSocket"
        time.sleep(0.05)
    agent = CountingTmux(tmux)
    desk_api.push("agent1", story_pop(desk_api, None, MEMBER_PHONE, CALL))
    talking = CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline",
                         "agent1")  # fmt: skip
    desk_api.push("agent1", talking)  # answered on the phone
    pane = tmux.wait_for(lambda text: "TALKING" in text and "SR-00000001" in text)
    assert "电子狗无法充电" in pane, "the open requests are on screen without a key"

    agent.press("3")
    tmux.wait_for(lambda text: "Thermos cup" in text)

    agent.press("g")
    lit = tmux.form_ready("Grant points")
    agent.type("100")
    agent.enter_fields(lit, 2)  # the reason stays "goodwill"
    tmux.wait_for(lambda text: "Valid 1,350 → 1,450" in text)
    agent.press("y")
    tmux.wait_for(lambda text: "+100" in text and "goodwill" in text)  # the ledger panel

    agent.press("s")
    lit = tmux.form_ready("New service request")
    agent.enter_fields(lit, 4)  # subject, type, contact phone as offered; no description
    tmux.wait_for(lambda text: "Service request SR-00000003 opened" in text)

    desk_api.push("agent1", CallUpdate(**{**talking.__dict__, "state": "ended"}))
    tmux.wait_for(lambda text: "ENDED" in text and "w wrap-up" in text)
    agent.press("w")
    tmux.wait_for(lambda text: "SALE" in text)
    agent.press("Enter")
    # This test's API mounts no agent routes (no Asterisk): the disposition goes out and the
    # API's 404 comes back; the keys are the agent's either way.
    tmux.wait_for(lambda text: "wrap-up failed: POST /api/agent/wrapup" in text)
    assert agent.keys == 15
