"""The wall-board fills 120×40 and 200×50 and stays readable at 80×24: titled panels,
charts with axes and labels, figures past their queue's thresholds marked in colour and
with a word; selecting a queue filters the rest, ``o`` orders agents and calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from agent_tui.app import ConsoleApp
from agent_tui.screens.wallboard import WallBoardScreen
from crm_core.wiring import Crm
from cti.protocol import (
    AgentState,
    BoardThresholds,
    CallUpdate,
    QueueThresholds,
    QueueUpdate,
    TelephonyStatus,
    iso,
)
from tests.support.console_app import board_rows, connected_on, frozen, settle_charts, wait_for
from tests.support.desk_api import NOW, PASSWORD, ThreadedApi, fetch

SIZES = [(80, 24), (120, 40), (200, 50)]
Snap = Callable[..., bool]
ROLES = ("supervisor", "admin")
THRESHOLDS = BoardThresholds(queues={"vip": QueueThresholds(0.95, 20, 300)})
LONG_AGENT = "maximilian.montgomery"


def _at(seconds_ago: int) -> str:
    return iso((NOW - timedelta(seconds=seconds_ago)).timestamp())


def busy_day() -> list[object]:
    """Two queues (vip past its limits), agents (one Chinese, one long), calls, today's log."""
    messages: list[object] = [
        TelephonyStatus(True),
        QueueUpdate("hotline", 2, 45, 1, 1, 0, 20),
        QueueUpdate("vip", 1, 95, 0, 1, 1, 10),
        AgentState("agent1", "on_call", _at(60), None, ["hotline"]),
        AgentState("王芳", "paused", _at(1500), "lunch", ["vip"]),
        AgentState(LONG_AGENT, "ready", _at(30), None, ["hotline", "vip"]),
    ]
    messages += [
        CallUpdate("c1", "answered", "13812345678", _at(15), "hotline", "agent1"),
        CallUpdate("c2", "queued", "13900000007", _at(95), "vip"),
    ]
    return messages


WAITS = (4, 12, 25, 8, 45, 70, 15, 130, 9, 22, 340, 6, 18, 33, 61, 11)


async def log_the_morning(crm: Crm) -> None:
    """Today's calls since 06:00 in the call log: waits of all sizes, one in five abandoned."""
    for n, wait in enumerate(WAITS):
        started = NOW - timedelta(minutes=210 - n * 13)
        abandoned = n % 5 == 4
        await crm.calls.record({
            "linked_id": f"morning.{n}", "direction": "inbound", "caller": f"1390000{n:04d}",
            "called": "4008001234", "queue": "vip" if n % 2 else "hotline",
            "agent_login": None if abandoned else "agent1", "started_at": started,
            "queued_at": started,
            "answered_at": None if abandoned else started + timedelta(seconds=wait),
            "ended_at": started + timedelta(seconds=wait + 200), "wait_seconds": wait,
            "talk_seconds": 0 if abandoned else 200,
        })  # fmt: skip


async def busy_board(pilot: Pilot[None], api: ThreadedApi) -> ConsoleApp:
    app = await connected_on(pilot, WallBoardScreen)
    await wait_for(pilot, lambda: len(board_rows(app, "abandoned")) == 3)
    for message in busy_day():
        api.broadcast(message, ROLES)  # type: ignore[arg-type]
    await wait_for(pilot, lambda: len(app.board.calls) == 2 and len(app.board.agents) == 3)
    await wait_for(pilot, lambda: len(board_rows(app, "calls")) == 2)
    settle_charts(app)
    await pilot.pause()
    return app


def board_for(api: ThreadedApi) -> ConsoleApp:
    return ConsoleApp(api.base, user="boss", password=PASSWORD, clock=frozen, tick_seconds=0,
                      thresholds=THRESHOLDS)  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_wall_board_fills_the_screen(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await busy_board(pilot, desk_api)

    fetch(desk_api, log_the_morning)
    assert snap_compare(board_for(desk_api), terminal_size=size, run_before=run_before)


async def test_figures_past_a_queues_thresholds_are_marked_with_a_word(
    desk_api: ThreadedApi,
) -> None:
    fetch(desk_api, log_the_morning)
    async with board_for(desk_api).run_test(size=(200, 50)) as pilot:
        app = await busy_board(pilot, desk_api)
        queues = {row[0]: row for row in board_rows(app, "queues")}
        assert queues["vip"][2] == "01:35 LONG" and queues["vip"][8].endswith("LOW")
        assert queues["hotline"][2] == "00:45"
        agents = {row[0]: row for row in board_rows(app, "agents")}
        assert agents["王芳"][2] == "25:00 LONG" and agents[LONG_AGENT][2] == "00:30"
        calls = {row[0]: row for row in board_rows(app, "calls")}
        assert calls["13900000007"][4] == "01:35 LONG"


async def test_selecting_a_queue_filters_agents_and_calls_and_o_orders_them(
    desk_api: ThreadedApi,
) -> None:
    fetch(desk_api, log_the_morning)
    async with board_for(desk_api).run_test(size=(200, 50)) as pilot:
        app = await busy_board(pilot, desk_api)
        assert [row[0] for row in board_rows(app, "agents")] == ["agent1", LONG_AGENT, "王芳"]
        await pilot.press("o")  # by state
        assert [row[1] for row in board_rows(app, "agents")] == ["on_call", "paused (lunch)",
                                                                 "ready"]  # fmt: skip
        await pilot.press("o")  # by time in state, longest first
        assert [row[0] for row in board_rows(app, "agents")] == ["王芳", "agent1", LONG_AGENT]
        app.screen.query_one("#queues").focus()
        await pilot.press("down", "enter")  # vip
        await wait_for(pilot, lambda: len(board_rows(app, "calls")) == 1)
        assert [row[0] for row in board_rows(app, "agents")] == ["王芳", LONG_AGENT]
        assert all(row[4] == "vip" for row in board_rows(app, "abandoned"))
        await pilot.press("enter")  # the same queue again: all of them
        await wait_for(pilot, lambda: len(board_rows(app, "calls")) == 2)
