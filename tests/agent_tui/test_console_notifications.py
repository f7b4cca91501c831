"""What happens to the agent is said in a notification, not left as a silent change:
telephony going offline and back, a call taken by someone else, a transfer that failed,
call-backs that are due."""

from __future__ import annotations

from datetime import timedelta

from agent_tui.app import ConsoleApp
from agent_tui.screens.dialogs import FormScreen
from cti.protocol import CallUpdate, TelephonyStatus
from tests.support.console_app import (
    CALL,
    at_desk,
    console_for,
    member_on_call,
    open_dialog,
    wait_for,
)
from tests.support.desk_api import MEMBER_PHONE, NO_TELEPHONY, NOW, PASSWORD, ThreadedApi, fetch


def notified(app: ConsoleApp) -> list[str]:
    """The notifications the app raised (Textual keeps them on the app; tests hide toasts)."""
    return [notification.message for notification in app._notifications]


async def test_telephony_going_offline_and_back_is_notified(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        for online in (True, False, True):
            desk_api.push("agent1", TelephonyStatus(online))
        await wait_for(pilot, lambda: "Telephony back online" in notified(app))
        assert notified(app).count("Telephony offline: calls cannot be controlled") == 1


async def test_a_call_taken_by_a_supervisor_and_a_failed_transfer_are_notified(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        answered = CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline")
        desk_api.push("agent1", CallUpdate(**{**answered.__dict__, "agent": "agent1"}))
        await wait_for(pilot, lambda: app.desk.call is not None and app.desk.call.talking)
        await open_dialog(pilot, "t", FormScreen)
        await pilot.press(*"6002", "enter", "enter")
        failure = f"transfer failed: POST /api/calls/{CALL}/transfer: {NO_TELEPHONY} (503)"
        await wait_for(pilot, lambda: failure in notified(app))

        desk_api.push("agent1", CallUpdate(**{**answered.__dict__, "agent": "boss"}))
        await wait_for(pilot, lambda: f"Call from {MEMBER_PHONE} taken by boss" in notified(app))


async def test_call_backs_due_are_notified_once_at_the_desk(desk_api: ThreadedApi) -> None:
    fetch(desk_api, lambda crm: crm.selfservice.leave_callback(
        caller="13900000005", member_number=None, mailbox="1000@ctidesk", message="msg0001",
        due_at=NOW - timedelta(minutes=5),
    ))  # fmt: skip
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        due = "Call-back due: 13900000005 (13900000005): msg0001"
        await wait_for(pilot, lambda: due in notified(app))
        app.redraw_timers()  # the next tick: already announced
        assert notified(app).count(due) == 1


async def test_a_call_back_left_during_the_day_is_notified_within_a_minute(
    desk_api: ThreadedApi,
) -> None:
    now = [NOW]
    app = ConsoleApp(desk_api.base, user="agent1", password=PASSWORD, clock=lambda: now[0],
                     tick_seconds=0)  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        await wait_for(pilot, lambda: not any(w.group == "resync" for w in app.workers))
        fetch(desk_api, lambda crm: crm.selfservice.leave_callback(
            caller="13900000006", member_number=None, mailbox="1000@ctidesk", message="msg0002",
            due_at=NOW,
        ))  # fmt: skip
        due = "Call-back due: 13900000006 (13900000006): msg0002"
        now[0] = NOW + timedelta(seconds=30)
        app.redraw_timers()  # a tick within the minute: the list is not read again yet
        await pilot.pause()
        assert due not in notified(app)
        now[0] = NOW + timedelta(seconds=61)
        app.redraw_timers()
        await wait_for(pilot, lambda: due in notified(app))
        assert notified(app).count(due) == 1
