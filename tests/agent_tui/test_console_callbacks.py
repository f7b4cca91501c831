"""The desk's callback list: after-hours voicemails to call back, from the real API."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from agent_tui.screens.callbacks import CallbacksScreen
from tests.support.console_app import at_desk, console_for, wait_for
from tests.support.desk_api import MEMBER_PHONE, NO_TELEPHONY, NOW, PASSWORD, ThreadedApi, fetch


def rows(screen: CallbacksScreen) -> list[list[str]]:
    table = screen.query_one("#callbacks", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_callbacks_are_listed_called_back_or_marked_done(desk_api: ThreadedApi) -> None:
    for caller, member in ((MEMBER_PHONE, desk_api.member_number), ("13900000005", None)):
        fetch(desk_api, lambda crm, caller=caller, member=member: crm.selfservice.leave_callback(
            caller=caller, member_number=member, mailbox="1000@ctidesk", message="msg0001",
            due_at=NOW - timedelta(hours=1),
        ))  # fmt: skip
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, CallbacksScreen))
        screen = app.screen
        assert isinstance(screen, CallbacksScreen)
        await wait_for(pilot, lambda: len(rows(screen)) == 2)
        assert [row[1:3] for row in rows(screen)] == [
            [MEMBER_PHONE, desk_api.member_number],
            ["13900000005", "-"],
        ]

        # This test API has no call control: the dial fails and the task stays open.
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_error is not None)
        assert app.last_error == f"call back failed: POST /api/calls/dial: {NO_TELEPHONY} (503)"
        assert len(rows(screen)) == 2

        await pilot.press("x")
        await wait_for(pilot, lambda: len(rows(screen)) == 1)
        assert rows(screen)[0][1] == "13900000005"
        due = fetch(desk_api, lambda crm: crm.selfservice.callbacks_due(NOW))
        assert [task.caller for task in due] == ["13900000005"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CallbacksScreen))
