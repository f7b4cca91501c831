"""Pushes reach the screens as messages: each redraws what the push changed, nothing else."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from agent_tui.app import ConsoleApp
from agent_tui.feed import LiveFeed
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import AgentState, QueueUpdate, Resync
from tests.support.console_app import at_desk, connected_on, console_for, text_of, wait_for
from tests.support.desk_api import PASSWORD, ThreadedApi


def _without_full_redraws(app: ConsoleApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only message handlers can draw a push now (no resync redraw, no clock tick)."""
    monkeypatch.setattr(app, "redraw_all", lambda: None)
    monkeypatch.setattr(app, "redraw_timers", lambda: None)


async def test_an_agent_state_push_reaches_the_status_bar_through_the_desks_handler(
    desk_api: ThreadedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console_for(desk_api, "agent1", PASSWORD)
    _without_full_redraws(app, monkeypatch)
    handled: list[LiveFeed.AgentStateChanged] = []
    handler = DeskScreen.on_live_feed_agent_state_changed

    def recorded(screen: DeskScreen, event: LiveFeed.AgentStateChanged) -> None:
        handled.append(event)
        handler(screen, event)

    monkeypatch.setattr(DeskScreen, "on_live_feed_agent_state_changed", recorded)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        paused = AgentState("agent1", "paused", "2026-03-02T09:28:00Z", "lunch", ["hotline"])
        desk_api.push("agent1", paused)
        await wait_for(pilot, lambda: "Paused: lunch 02:00" in text_of(app, "#status"))
        assert [event.agent for event in handled] == [paused]
        assert "P ready" in text_of(app, "#softphone")


async def test_a_queue_push_fills_the_wall_boards_queue_table_through_its_handler(
    desk_api: ThreadedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console_for(desk_api, "boss", PASSWORD)
    _without_full_redraws(app, monkeypatch)
    async with app.run_test(size=(160, 48)) as pilot:
        await connected_on(pilot, WallBoardScreen)
        desk_api.broadcast(QueueUpdate("hotline", 2, 45, 1, 1, 0, 20), ("supervisor", "admin"))
        table = app.screen.query_one("#queues", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert [str(cell) for cell in table.get_row_at(0)][:3] == ["hotline", "2", "00:45"]


async def test_a_resync_push_makes_the_console_read_its_live_state_again(
    desk_api: ThreadedApi,
) -> None:
    app = console_for(desk_api, "agent1", PASSWORD)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        await wait_for(pilot, lambda: app.resyncs == 1)  # read once when it connected
        desk_api.push("agent1", Resync(reason="lost on ctidesk.user.agent1"))
        await wait_for(pilot, lambda: app.resyncs == 2)
