"""The supervisor's statistics screen: opened from the wall-board with T, today's figures
per queue and agent from the service's reports, charts by 30 minutes, a range of days,
an export that spreadsheets open intact, and one snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from agent_tui.app import ConsoleApp
from agent_tui.screens.statistics import StatisticsScreen, wait_totals
from agent_tui.screens.wallboard import WallBoardScreen
from cti.kpi import parse_line
from cti.statistics.lines import stored
from cti.statistics.stored import rebuild_stints
from tests.support.console_app import connected_on, console_for, wait_for
from tests.support.desk_api import PASSWORD, ThreadedApi, fetch

Snap = Callable[..., bool]
NINE = int(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
AGENT = "王芳"
HOSTILE = "=HYPERLINK(1)"
LINES = [
    f"{NINE - 600}|NONE|hotline|{AGENT}|ADDMEMBER|",
    f"{NINE - 600}|NONE|vip|{HOSTILE}|ADDMEMBER|",
    f"{NINE}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
    f"{NINE + 5}|1|hotline|{AGENT}|CONNECT|5|x|1",
    f"{NINE + 125}|1|hotline|{AGENT}|COMPLETECALLER|5|120|1",
    f"{NINE + 300}|2|hotline|NONE|ENTERQUEUE||13800000002|1",
    f"{NINE + 340}|2|hotline|NONE|ABANDON|1|1|40",
    f"{NINE + 4200}|3|hotline|NONE|ENTERQUEUE||13800000003|1",
    f"{NINE + 4225}|3|hotline|{AGENT}|CONNECT|25|x|1",
    f"{NINE + 4285}|3|hotline|{AGENT}|COMPLETEAGENT|25|60|1",
    f"{NINE + 4300}|4|vip|NONE|ENTERQUEUE||13800000004|1",
    f"{NINE + 4330}|4|vip|NONE|EXITWITHTIMEOUT|1|1|30",
]


@pytest.fixture
def stats_api(desk_api: ThreadedApi) -> ThreadedApi:
    """The desk's API with a morning of queue_log lines stored."""
    lines = [stored(parse_line(text), text) for text in LINES]
    fetch(desk_api, lambda crm: crm.queue_log.add("pbx1", lines, rebuild=rebuild_stints))
    return desk_api


def rows(app: ConsoleApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


async def on_statistics(pilot: Pilot[None]) -> StatisticsScreen:
    await connected_on(pilot, WallBoardScreen)
    await pilot.press("T")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen) and app.screen.loads)
    assert isinstance(app.screen, StatisticsScreen)
    return app.screen


async def test_t_on_the_wall_board_shows_todays_queues_and_agents(
    stats_api: ThreadedApi, tmp_path: Path
) -> None:
    async with console_for(stats_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        screen = await on_statistics(pilot)
        app = pilot.app
        assert isinstance(app, ConsoleApp)
        assert rows(app, "stats-queues") == [
            ["hotline", "2026-03-02", "3", "2", "1", "0", "33.3", "15.0", "40", "90"],
            ["vip", "2026-03-02", "1", "0", "0", "1", "0.0", "—", "30", "—"],
        ]
        assert rows(app, "stats-agents")[1][:4] == [AGENT, "2026-03-02", "2", "180"]
        assert [r.start[11:16] for r in screen.interval_rows if r.queue == "hotline"] == [
            "09:00", "10:00",
        ]  # fmt: skip

        answered, abandoned = wait_totals(screen.queue_rows)
        none = dict.fromkeys(["0-10", "11-20", "21-30", "31-60", "61-120", "121-300", "301+"], 0)
        assert answered == none | {"0-10": 1, "21-30": 1}  # calls 1 (5 s) and 3 (25 s)
        assert abandoned == none | {"31-60": 1}  # call 2 (40 s); the vip time-out is neither
        assert screen.query_one("#chart-waits").display  # three charts at 160 columns

        export = tmp_path / "today.csv"
        screen.query_one("#stats-file", Input).value = str(export)
        await pilot.press("e")
        await wait_for(pilot, export.exists)
        text = export.read_text(encoding="utf-8")
        assert text.startswith("\ufeffqueue,start,offered")
        assert f"\n{AGENT},2026-03-02" in text and f"\n'{HOSTILE},2026-03-02" in text

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WallBoardScreen))


async def test_a_range_of_days_is_read_by_day_and_a_bad_day_is_named(
    stats_api: ThreadedApi,
) -> None:
    async with console_for(stats_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        screen = await on_statistics(pilot)
        screen.query_one("#stats-from", Input).value = "2026-03-01"
        screen.query_one("#stats-from", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.loads == 2)
        assert {r.start[:10] for r in screen.interval_rows} == {"2026-03-02"}  # by day now
        screen.query_one("#stats-to", Input).value = "2 March"
        screen.query_one("#stats-to", Input).focus()
        await pilot.press("enter")
        message = screen.query_one("#stats-message", Static)
        await wait_for(pilot, lambda: "YYYY-MM-DD" in str(message.render()))


async def test_under_120_columns_w_shows_the_waits_in_the_service_levels_place(
    stats_api: ThreadedApi,
) -> None:
    async with console_for(stats_api, "boss", PASSWORD).run_test(size=(100, 40)) as pilot:
        screen = await on_statistics(pilot)
        level, waits = screen.query_one("#chart-sl"), screen.query_one("#chart-waits")
        assert (level.display, waits.display) == (True, False)
        await pilot.press("w")
        await wait_for(pilot, lambda: waits.display and not level.display)
        await pilot.press("w")
        await wait_for(pilot, lambda: level.display and not waits.display)


def test_statistics_screen(snap_compare: Snap, stats_api: ThreadedApi) -> None:
    async def shown(pilot: Pilot[None]) -> None:
        await on_statistics(pilot)
        await pilot.pause()

    app: Any = console_for(stats_api, "boss", PASSWORD)
    assert snap_compare(app, terminal_size=(160, 48), run_before=shown)
