"""Ctrl+P finds any key of the screen by its name and runs it as the key would; a click on
the key line does the same."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList

from agent_tui.app import ConsoleApp
from agent_tui.keys import BOARD_KEYS, DESK_KEYS
from agent_tui.screens.dialogs import FormScreen
from agent_tui.screens.statistics import StatisticsScreen
from agent_tui.screens.wallboard import WallBoardScreen
from tests.agent_tui.test_console_desk_layout import talking
from tests.support.console_app import connected_on, console_for, wait_for
from tests.support.desk_api import PASSWORD, ThreadedApi


def listed(app: ConsoleApp) -> list[str]:
    """The palette's entries as shown (prompt text, help line)."""
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def palette(pilot: Pilot[None], app: ConsoleApp, typed: str) -> list[str]:
    """Open the palette, type ``typed``, and wait for its list to settle on matches."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*typed)
    await wait_for(pilot, lambda: bool(listed(app)) and all(
        typed.lower().split()[0] in entry.lower() for entry in listed(app)[:1]))  # fmt: skip
    return listed(app)


async def test_the_palette_lists_every_desk_key_and_runs_the_one_chosen(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await talking(pilot, desk_api, None)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(pilot, lambda: len(listed(app)) >= len(DESK_KEYS))
        everything = "\n".join(listed(app))
        for key in DESK_KEYS:
            assert f"{key.description}  ({key.shown})" in everything
        assert "Sign in  (i)\nAgent: not now" in everything, "a key not live says so"
        await pilot.press("escape")

        entries = await palette(pilot, app, "grant")
        assert entries[0].startswith("Grant points  (g)")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert isinstance(app.screen, FormScreen) and app.screen.title_text.startswith("Grant")


async def test_a_key_not_live_is_not_run_from_the_palette(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await talking(pilot, desk_api, None)
        await palette(pilot, app, "sign in")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Sign in (i) is not available now" in str(n.message)
                                          for n in app._notifications))  # fmt: skip
        assert app.desk.agent_state == "on_call"


async def test_the_palette_and_a_click_on_the_key_line_run_wall_board_keys(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        app = await connected_on(pilot, WallBoardScreen)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: len(listed(app)) >= len(BOARD_KEYS))
        assert "Statistics  (T)" in "\n".join(listed(app))
        await pilot.press("escape")
        await palette(pilot, app, "statistics")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WallBoardScreen))

        line = str(app.screen.query_one("#board-keys").render())
        await pilot.click("#board-keys", offset=(line.index("T stats") + 2, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen))
