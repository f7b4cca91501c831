"""Helpers for console tests: a console app with a frozen clock, and a polling wait."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import FormScreen
from agent_tui.screens.login import LoginScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import ScreenPop
from cti.screen_pop.lookup import member_summary
from tests.support.desk_api import MEMBER_PHONE, NOW, ThreadedApi, fetch


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


async def form_ready(pilot: Pilot[None]) -> FormScreen:
    """Wait until a form is on top, mounted, with its first field focused: only then do
    its fields exist and do keys pressed go to them (the screen is pushed a few event
    loop turns before it is mounted)."""

    def ready() -> bool:
        screen, focused = pilot.app.screen, pilot.app.focused
        return isinstance(screen, FormScreen) and focused is not None and focused.screen is screen

    await wait_for(pilot, ready)
    screen = pilot.app.screen
    assert isinstance(screen, FormScreen)
    return screen


async def logged_in(pilot: Pilot[None], screen: type[object]) -> None:
    """Wait until the login screen has given way to ``screen``."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))


CALL = "1772443800.11"


def member_pop(api: ThreadedApi, call_id: str = CALL) -> ScreenPop:
    """The pop the service sends when 李娜 rings agent1 (her real 360° view, summed up as
    the service does)."""
    view = fetch(api, lambda crm: crm.member360.view(api.member_number))
    return ScreenPop(call_id, MEMBER_PHONE, "4008001234", "Spring brochure", "hotline",
                     member_summary(view))  # fmt: skip


async def connected_on(pilot: Pilot[None], screen: type[object]) -> ConsoleApp:
    """The app once it shows ``screen`` and its WebSocket is open."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await logged_in(pilot, screen)
    await wait_for(pilot, lambda: app.desk.connected)
    return app


async def at_desk(pilot: Pilot[None]) -> ConsoleApp:
    """The agent's console at the desk with its WebSocket open."""
    return await connected_on(pilot, DeskScreen)


def text_of(app: ConsoleApp, selector: str) -> str:
    """What a widget of the desk (or the login screen) shows, dialogs open or not (a table
    as a wide terminal would print it, so no cell is cut short)."""
    screens = [s for s in app.screen_stack if isinstance(s, DeskScreen | LoginScreen)]
    return shown_text(screens[-1].query_one(selector))


def shown_text(widget: Widget) -> str:
    """What ``widget`` shows, as plain text (a table printed at full width)."""
    content = widget.content if isinstance(widget, Static) else None
    if content is None or isinstance(content, str | Text | Content):
        return str(widget.render())
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def member_on_call(pilot: Pilot[None], api: ThreadedApi) -> ConsoleApp:
    """At the desk with 李娜's pop on screen; the app."""
    app = await at_desk(pilot)
    api.push("agent1", member_pop(api))
    await wait_for(pilot, lambda: "李娜" in text_of(app, "#pop"))
    return app


async def open_dialog(pilot: Pilot[None], key: str, screen: type[object]) -> None:
    """Press ``key`` and wait for the dialog ``screen`` to be in front and mounted (its
    widgets exist only then; it is pushed a few event loop turns earlier)."""
    await pilot.press(key)
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, screen) and pilot.app.screen.is_mounted
    )


def board_rows(app: ConsoleApp, table_id: str) -> list[list[str]]:
    """The cells of a wall-board table."""
    screen = next(s for s in app.screen_stack if isinstance(s, WallBoardScreen))
    table = screen.query_one(f"#{table_id}", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def settle_charts(app: ConsoleApp) -> None:
    """Draw the wall-board's charts from the board as it is now (they follow counted calls
    and the clock's tick, which tests stop): a snapshot then shows the final figures."""
    screen = next(s for s in app.screen_stack if isinstance(s, WallBoardScreen))
    screen.draw_charts()
