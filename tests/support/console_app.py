"""Helpers for console tests: a console app with a frozen clock, and a polling wait."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.pilot import Pilot

from agent_tui.app import ConsoleApp
from tests.support.desk_api import NOW, ThreadedApi


def frozen() -> datetime:
    """The console's clock in tests: always the API's fixed now."""
    return NOW


def console_for(
    api: ThreadedApi, user: str | None = None, password: str | None = None
) -> ConsoleApp:
    """A console app for ``api`` with a frozen clock and no ticking timer."""
    return ConsoleApp(api.base, user=user, password=password, clock=frozen, tick_seconds=0)


async def wait_for(pilot: Pilot[None], condition: Callable[[], object], within: float = 10) -> None:
    """Let the app run until ``condition()`` is true; fail after ``within`` seconds."""
    loops = int(within / 0.02)
    for _ in range(loops):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"not true within {within} s: {condition}")


async def logged_in(pilot: Pilot[None], screen: type[object]) -> None:
    """Wait until the login screen has given way to ``screen``."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))
