"""The wall-board's rows, changed one push at a time, stay what a table built from scratch
from the same state shows: after arrivals, departures, state changes, queue filters and
orders in any order, and after the clock's tick for the rows on screen."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from agent_tui.app import ConsoleApp
from agent_tui.screens.wallboard import WallBoardScreen
from agent_tui.widgets.board_rows import SORTS
from agent_tui.widgets.live_table import LiveTable
from cti.protocol import AgentState, CallUpdate, Message, Notice, QueueUpdate, iso
from tests.support.console_app import connected_on, wait_for
from tests.support.desk_api import NOW, PASSWORD, ThreadedApi

ROLES = ("supervisor", "admin")
QUEUES = ("hotline", "vip", "sales", "care")
STATES = ("ready", "on_call", "wrap_up", "paused", "signed_out")
CALL_STATES = ("queued", "ringing", "answered", "held", "ended", "abandoned")
TABLES = ("queues", "agents", "calls", "abandoned")
Shown = list[tuple[str, list[tuple[str, str]]]]


def _at(seconds_ago: int) -> str:
    return iso((NOW - timedelta(seconds=seconds_ago)).timestamp())


def random_push(rng: random.Random) -> Message:
    """An agent's state, a call moving on (or ending) or a queue's counters."""
    kind = rng.random()
    if kind < 0.45:
        login = f"agent{rng.randrange(40):02d}"
        reason = "lunch" if rng.random() < 0.2 else None
        queues = rng.sample(QUEUES, rng.randrange(1, 3))
        return AgentState(login, rng.choice(STATES), _at(rng.randrange(3000)), reason, queues)
    if kind < 0.85:
        caller = f"1380000{rng.randrange(6):04d}"  # few callers: the name order has ties
        agent = f"agent{rng.randrange(40):02d}" if rng.random() < 0.7 else None
        return CallUpdate(f"c{rng.randrange(25)}", rng.choice(CALL_STATES), caller,
                          _at(rng.randrange(600)), rng.choice(QUEUES), agent)  # fmt: skip
    return QueueUpdate(rng.choice(QUEUES), rng.randrange(5), rng.randrange(400),
                       rng.randrange(4), rng.randrange(4), rng.randrange(3), 20)  # fmt: skip


def shown(screen: WallBoardScreen, table_id: str, keys: list[str] | None = None) -> Shown:
    """A table's rows (all, or those of ``keys``) in order: key, then each cell's text and style."""
    table = screen.query_one(f"#{table_id}", LiveTable)
    rows = [str(row.key.value) for row in table.ordered_rows]
    assert rows == table.keys_in_order
    return [
        (key, [(cell.plain, str(cell.style)) for cell in table.get_row(key)])
        for key in rows
        if keys is None or key in keys
    ]


def from_scratch(screen: WallBoardScreen) -> dict[str, Shown]:
    """Every table as the board's full redraw builds it from the state now."""
    screen.redraw()
    return {table_id: shown(screen, table_id) for table_id in TABLES}


async def settled(pilot: Pilot[None], api: ThreadedApi, app: ConsoleApp, step: int) -> None:
    """Until the pushes sent so far are on the board and the screen has put them."""
    api.broadcast(Notice("info", f"step {step}"), ROLES)
    await wait_for(pilot, lambda: app.board.notice == f"step {step}")
    await pilot.pause()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rows_put_push_by_push_equal_the_table_built_from_scratch(
    desk_api: ThreadedApi, seed: int
) -> None:
    rng = random.Random(seed)
    app = ConsoleApp(desk_api.base, user="boss", password=PASSWORD, clock=lambda: NOW,
                     tick_seconds=0)  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await connected_on(pilot, WallBoardScreen)
        screen = app.screen
        assert isinstance(screen, WallBoardScreen)
        for step in range(60):
            for _ in range(rng.randrange(1, 8)):  # a burst: applied in one pass
                desk_api.broadcast(random_push(rng), ROLES)
            if rng.random() < 0.15:
                screen.action_order()
            if rng.random() < 0.15:
                queue = rng.choice((None, *QUEUES))
                screen.queue_filter = queue
                screen.redraw()
            await settled(pilot, desk_api, app, step)
            put = {table_id: shown(screen, table_id) for table_id in TABLES}
            assert put == from_scratch(screen), f"step {step}"
        assert app.board.calls and app.board.abandoned and screen.sort in SORTS


async def test_the_clock_tick_redraws_the_times_of_the_rows_on_screen(
    desk_api: ThreadedApi,
) -> None:
    clock = [NOW]
    rng = random.Random(7)
    app = ConsoleApp(desk_api.base, user="boss", password=PASSWORD, clock=lambda: clock[0],
                     tick_seconds=0)  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await connected_on(pilot, WallBoardScreen)
        screen = app.screen
        assert isinstance(screen, WallBoardScreen)
        for n in range(40):
            login = f"agent{n:02d}"
            desk_api.broadcast(AgentState(login, "on_call", _at(n * 37), None, ["hotline"]), ROLES)
        for _ in range(25):
            desk_api.broadcast(random_push(rng), ROLES)
        await settled(pilot, desk_api, app, 0)
        clock[0] = NOW + timedelta(minutes=20)  # past the limits: LONG on the times
        screen.redraw_timers()
        await pilot.pause()
        on_screen = {
            table_id: screen.query_one(f"#{table_id}", LiveTable).visible_keys()
            for table_id in ("agents", "calls")
        }
        ticked = {table_id: shown(screen, table_id, keys) for table_id, keys in on_screen.items()}
        screen.redraw()
        assert ticked == {
            table_id: shown(screen, table_id, keys) for table_id, keys in on_screen.items()
        }
        assert any("LONG" in text for _, cells in ticked["agents"] for text, _ in cells)
