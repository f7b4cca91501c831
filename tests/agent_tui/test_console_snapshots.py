"""SVG snapshots of the main screens at 80×24 and 160×48 (clock frozen, no ticking)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.member import MemberScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import AgentState, CallUpdate, QueueUpdate, TelephonyStatus
from tests.support.console_app import console_for, member_pop, settle_charts, text_of, wait_for
from tests.support.desk_api import MEMBER_PHONE, PASSWORD, ThreadedApi

SIZES = [(80, 24), (160, 48)]
Snap = Callable[..., bool]


def _app(pilot: Pilot[None]) -> ConsoleApp:
    assert isinstance(pilot.app, ConsoleApp)
    return pilot.app


@pytest.mark.parametrize("size", SIZES)
def test_login_screen(snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[None]) -> None:
        # The API listens on a free port: show a fixed address so the picture is stable.
        pilot.app.screen.query_one("#login-url", Static).update("http://127.0.0.1:8080")
        await pilot.press(*"agent1", "enter", *"secret")

    assert snap_compare(console_for(desk_api), terminal_size=size, run_before=typed)


@pytest.mark.parametrize("size", SIZES)
def test_agent_desk_with_a_member_call(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    async def talking(pilot: Pilot[None]) -> None:
        app = _app(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen) and app.desk.connected)
        desk_api.push("agent1", TelephonyStatus(True))
        desk_api.push(
            "agent1", AgentState("agent1", "on_call", "2026-03-02T09:29:40Z", None, ["hotline"])
        )
        desk_api.push("agent1", QueueUpdate("hotline", 3, 42, 0, 2, 1, 20))
        desk_api.push("agent1", member_pop(desk_api))
        desk_api.push(
            "agent1",
            CallUpdate(
                "1772443800.11",
                "answered",
                MEMBER_PHONE,
                "2026-03-02T09:29:30Z",
                "hotline",
                "agent1",
            ),
        )
        await wait_for(
            pilot,
            lambda: "TALKING" in text_of(app, "#pop") and "3 waiting" in text_of(app, "#status"),
        )

    app = console_for(desk_api, "agent1", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=talking)


@pytest.mark.parametrize("size", SIZES)
def test_supervisor_wall_board(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    async def busy(pilot: Pilot[None]) -> None:
        app = _app(pilot)
        await wait_for(
            pilot, lambda: isinstance(app.screen, WallBoardScreen) and app.desk.connected
        )
        roles: Any = ("supervisor", "admin")
        for message in (
            TelephonyStatus(True),
            QueueUpdate("hotline", 2, 45, 1, 1, 0, 20),
            QueueUpdate("vip", 0, 0, 1, 0, 1, 10),
            AgentState("agent1", "on_call", "2026-03-02T09:29:00Z", None, ["hotline"]),
            AgentState("agent2", "paused", "2026-03-02T09:20:00Z", "lunch", ["hotline", "vip"]),
            CallUpdate("c1", "answered", MEMBER_PHONE, "2026-03-02T09:29:45Z", "hotline", "agent1"),
            CallUpdate("c2", "queued", "13900000007", "2026-03-02T09:29:15Z", "hotline"),
            CallUpdate("c3", "abandoned", "13900000009", "2026-03-02T09:28:30Z", "hotline"),
        ):
            desk_api.broadcast(message, roles)
        await wait_for(
            pilot,
            lambda: (
                len(app.board.abandoned) == 1
                and len(app.board.calls) == 2
                and len(app.board.agents) == 2
            ),
        )
        settle_charts(app)
        await pilot.pause()

    app = console_for(desk_api, "boss", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=busy)


def test_member_view_ledger_tab(snap_compare: Snap, desk_api: ThreadedApi) -> None:
    async def ledger(pilot: Pilot[None]) -> None:
        app = _app(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        app.push_screen(MemberScreen(desk_api.member_number))
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await wait_for(pilot, lambda: any(t.row_count == 1 for t in app.screen.query("#ledger")))
        await pilot.press("right")

    app = console_for(desk_api, "agent1", PASSWORD)
    assert snap_compare(app, terminal_size=(80, 24), run_before=ledger)
