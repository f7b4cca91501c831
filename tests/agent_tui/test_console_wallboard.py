"""The supervisor's wall-board: filled by pushes, supervisor actions, reconnects."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import Input

from agent_tui.app import ConsoleApp
from agent_tui.screens.login import LoginScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import AgentState, CallUpdate, QueueUpdate, TelephonyStatus
from tests.support.console_app import board_rows as rows
from tests.support.console_app import connected_on, console_for, wait_for
from tests.support.desk_api import MEMBER_PHONE, NO_TELEPHONY, PASSWORD, ThreadedApi, fetch

SUPERVISORS = ("supervisor", "admin")
ANSWERED = CallUpdate("c1", "answered", MEMBER_PHONE, "2026-03-02T09:29:45Z", "hotline", "agent1")


async def with_a_call(pilot: Pilot[None], api: ThreadedApi) -> ConsoleApp:
    """The wall-board showing one answered call, c1."""
    app = await connected_on(pilot, WallBoardScreen)
    api.broadcast(ANSWERED, SUPERVISORS)
    await wait_for(pilot, lambda: len(rows(app, "calls")) == 1)
    return app


async def test_the_wall_board_fills_from_pushes_and_counts_today(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        app = await connected_on(pilot, WallBoardScreen)
        desk_api.broadcast(QueueUpdate("hotline", 2, 45, 1, 1, 0, 20), SUPERVISORS)
        desk_api.broadcast(
            AgentState("agent1", "on_call", "2026-03-02T09:29:00Z", None, ["hotline"]), SUPERVISORS
        )
        desk_api.broadcast(ANSWERED, SUPERVISORS)
        desk_api.broadcast(
            CallUpdate("c2", "abandoned", "13900000009", "2026-03-02T09:28:30Z", "hotline"),
            SUPERVISORS,
        )
        desk_api.broadcast(TelephonyStatus(True), SUPERVISORS)
        await wait_for(pilot, lambda: len(rows(app, "abandoned")) == 1 and rows(app, "calls"))
        assert rows(app, "queues") == [
            ["hotline", "2", "00:45", "1", "1", "0", "1", "1", "50% ≤20s LOW"]
        ]
        assert rows(app, "agents") == [["agent1", "on_call", "01:00", MEMBER_PHONE, "1"]]
        assert rows(app, "calls") == [[MEMBER_PHONE, "answered", "hotline", "agent1", "00:15"]]
        assert rows(app, "abandoned")[0][1:] == ["13900000009", "-", "01:30", "hotline"]


async def test_a_spy_on_the_selected_call_shows_the_servers_refusal(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        app = await with_a_call(pilot, desk_api)
        await pilot.press("l")
        await wait_for(pilot, lambda: app.last_error is not None)
        assert (
            app.last_error
            == f"listen failed: POST /api/supervisor/calls/c1/spy: {NO_TELEPHONY} (503)"
        )


async def test_losing_the_service_shows_a_banner_keeps_the_screen_and_reconnects(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        app = await with_a_call(pilot, desk_api)
        screen = app.screen
        await asyncio.wrap_future(desk_api.submit(desk_api.pause_service))
        banner = screen.query_one("#banner")
        # The state changes first; the screen redraws on the message it is handed next.
        await wait_for(pilot, lambda: not app.desk.connected and banner.has_class("-shown"))
        assert "Service unreachable" in str(banner.render())
        assert banner.has_class("-shown")
        assert len(rows(app, "calls")) == 1, "the screen is kept"
        await asyncio.wrap_future(desk_api.submit(desk_api.resume_service))
        assert app.feed is not None
        app.feed.retry_now()
        await wait_for(
            pilot, lambda: app.desk.connected and not banner.has_class("-shown"), within=15
        )
        assert not banner.has_class("-shown")
        assert app.screen is screen


async def test_a_revoked_token_ends_the_session_instead_of_reconnecting(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(160, 48)) as pilot:
        app = await with_a_call(pilot, desk_api)
        token = app.client.token
        assert token is not None and app.feed is not None
        fetch(desk_api, lambda crm: crm.users.revoke(token))
        await asyncio.wrap_future(desk_api.submit(desk_api.pause_service))
        await asyncio.wrap_future(desk_api.submit(desk_api.resume_service))
        app.feed.retry_now()
        await wait_for(pilot, lambda: app.desk.session_ended, within=15)
        board = next(s for s in app.screen_stack if isinstance(s, WallBoardScreen))
        assert "Session ended" in str(board.query_one("#banner").render())
        assert len(rows(app, "calls")) == 1, "the screen is kept"
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.screen.query_one("#user", Input).value == "boss"
        # Type once the password field has the focus, as a person would.
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "password")
        await pilot.press(*PASSWORD, "enter")
        await wait_for(pilot, lambda: app.screen is board and app.desk.connected, within=15)
        assert not app.desk.session_ended
        assert app.client.token not in (None, token), "a new token"
        assert len(rows(app, "calls")) == 1, "the call is still on the board"


async def test_redraws_while_the_console_shuts_down_do_not_query_removed_widgets(
    desk_api: ThreadedApi,
) -> None:
    """Pushes and clock ticks keep coming while Textual removes the screens at exit."""
    failures: list[BaseException] = []

    async def keep_redrawing(app: ConsoleApp) -> None:
        while True:
            try:
                app.redraw_all()
            except Exception as error:
                failures.append(error)
                return
            await asyncio.sleep(0)

    app = console_for(desk_api, "boss", PASSWORD)
    async with app.run_test(size=(160, 48)) as pilot:
        await connected_on(pilot, WallBoardScreen)
        redrawing = asyncio.create_task(keep_redrawing(app))
        await pilot.pause()
    redrawing.cancel()
    assert failures == []
