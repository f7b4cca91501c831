"""The agent desk against the real API: login, pops, calls in context, record actions."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input, OptionList

from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import ChoiceScreen, ConfirmScreen, DtmfPad, FormScreen
from agent_tui.screens.login import LoginScreen
from cti.protocol import AgentState, CallUpdate, ScreenPop, TelephonyStatus
from tests.support.console_app import (
    CALL,
    at_desk,
    console_for,
    form_ready,
    logged_in,
    member_on_call,
    member_pop,
    open_dialog,
    text_of,
    wait_for,
)
from tests.support.desk_api import MEMBER_PHONE, NO_TELEPHONY, PASSWORD, ThreadedApi, fetch


async def test_the_password_is_not_echoed_and_a_wrong_one_shows_the_servers_error(
    desk_api: ThreadedApi,
) -> None:
    app = console_for(desk_api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.click("#user")
        await pilot.press(*"agent1", "enter", *"wrong password", "enter")
        password = app.screen.query_one("#password", Input)
        assert password.password is True
        await wait_for(pilot, lambda: "password" in text_of(app, "#login-error"))
        assert app.client.token is None
        await pilot.press(*PASSWORD, "enter")
        await logged_in(pilot, DeskScreen)
        assert app.client.token is not None
        assert app.session.extension == "6001"


async def test_a_pop_shows_the_ringing_member_and_a_service_request_goes_on_the_record(
    any_desk_api: ThreadedApi,
) -> None:
    desk_api = any_desk_api  # the key path, on SQLite and on PostgreSQL
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        desk_api.push("agent1", member_pop(desk_api))
        await wait_for(pilot, lambda: "RINGING" in text_of(app, "#pop"))
        pop = text_of(app, "#pop")
        assert "李娜" in pop and desk_api.member_number in pop
        assert "1,200" in pop and "Spring brochure" in pop
        desk_api.push(
            "agent1",
            CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline", "agent1"),
        )
        await wait_for(pilot, lambda: "TALKING" in text_of(app, "#pop"))

        await open_dialog(pilot, "s", FormScreen)
        subject = app.screen.query_one("#field-subject", Input)
        assert subject.value == f"Call from {MEMBER_PHONE}"
        assert app.screen.query_one("#field-contact_phone", Input).value == MEMBER_PHONE
        subject.value = "电子狗无法充电"
        await pilot.press("enter", *"repair", "enter", "enter", *"no charge", "enter")
        await wait_for(pilot, lambda: (app.last_info or "").startswith("Service request"))
        view = fetch(desk_api, lambda crm: crm.member360.view(desk_api.member_number))
        assert [r.subject for r in view.open_requests] == ["电子狗无法充电"]
        await wait_for(pilot, lambda: "电子狗无法充电" in text_of(app, "#panel-requests"))


async def test_an_unknown_caller_gets_the_new_member_form_prefilled_with_the_number(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        desk_api.push(
            "agent1", ScreenPop("1772443800.12", "13900000001", "4008001234", None, "hotline", None)
        )
        form = await form_ready(pilot)
        assert form.query_one("#field-phone", Input).value == "13900000001"
        await pilot.press(*"Zhou Min", "enter", "enter")
        await wait_for(pilot, lambda: "Zhou Min" in text_of(app, "#pop"))
        found = fetch(desk_api, lambda crm: crm.directory.lookup("13900000001"))
        assert [m.name for m in found] == ["Zhou Min"]


async def test_a_second_call_keeps_the_first_calls_context(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        desk_api.push("agent1", ScreenPop("1772443800.13", "13900000002", None, None, None, None))
        await wait_for(pilot, lambda: "13900000002" in text_of(app, "#pop"))
        await pilot.press("escape")  # the new-member form of the unknown second caller
        assert "李娜" in text_of(app, "#calls") and "13900000002" in text_of(app, "#calls")
        await pilot.press("tab")
        await wait_for(pilot, lambda: "李娜" in text_of(app, "#pop"))


async def test_impossible_keys_are_disabled_and_a_refusal_shows_the_servers_error(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        screen = app.screen
        assert screen.check_action("hold", ()) is None
        assert screen.check_action("grant", ()) is None
        await pilot.press("h", "g")
        assert isinstance(app.screen, DeskScreen), "a disabled key opens nothing"
        assert app.last_error is None
        desk_api.push("agent1", member_pop(desk_api))
        desk_api.push(
            "agent1",
            CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline", "agent1"),
        )
        await wait_for(pilot, lambda: "TALKING" in text_of(app, "#pop"))
        assert screen.check_action("hold", ()) is True
        assert screen.check_action("retrieve", ()) is None
        await pilot.press("h")
        await wait_for(pilot, lambda: app.last_error is not None)
        assert app.last_error == f"hold failed: POST /api/calls/{CALL}/hold: {NO_TELEPHONY} (503)"
        assert f"/api/calls/{CALL}/hold" in text_of(app, "#message")


async def test_granting_points_asks_first_and_shows_the_balance_after(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        await open_dialog(pilot, "g", FormScreen)
        await pilot.press(*"300", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "1,200 → 1,500" in str(app.screen.query_one(".title").render())
        await open_dialog(pilot, "n", DeskScreen)
        summary = fetch(desk_api, lambda crm: crm.points.summary(desk_api.member_number))
        assert summary.valid == 1200, "declined: nothing granted"
        await open_dialog(pilot, "g", FormScreen)
        await pilot.press(*"300", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: (app.last_info or "").startswith("Granted"))
        assert app.last_info == "Granted 300 points: valid 1,500, cumulative 1,500"
        summary = fetch(desk_api, lambda crm: crm.points.summary(desk_api.member_number))
        assert summary.valid == 1500
        await wait_for(pilot, lambda: "1,500" in text_of(app, "#pop"))


async def test_agent_state_drives_the_status_bar_and_the_sign_in_key(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        assert app.screen.check_action("sign_in", ()) is True
        desk_api.push(
            "agent1", AgentState("agent1", "paused", "2026-03-02T09:28:00Z", "lunch", ["hotline"])
        )
        await wait_for(pilot, lambda: "Paused: lunch 02:00" in text_of(app, "#status"))
        assert "Ext 6001" in text_of(app, "#status")
        assert app.screen.check_action("sign_in", ()) is None
        assert app.screen.check_action("unpause", ()) is True


async def test_telephony_offline_shows_the_banner_and_online_clears_it(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        desk_api.push("agent1", TelephonyStatus(False, "AMI connection refused"))
        await wait_for(pilot, lambda: "Telephony offline" in text_of(app, "#banner"))
        assert "Telephony OFFLINE" in text_of(app, "#status")
        desk_api.push("agent1", TelephonyStatus(True))
        await wait_for(pilot, lambda: "Telephony online" in text_of(app, "#status"))
        assert not app.screen.query_one("#banner").has_class("-shown")


async def test_dial_offers_the_numbers_on_screen_and_shows_the_servers_answer(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        desk_api.push(
            "agent1",
            CallUpdate(CALL, "ended", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline", "agent1"),
        )
        await wait_for(pilot, lambda: "ENDED" in text_of(app, "#pop"))
        await open_dialog(pilot, "d", ChoiceScreen)
        labels = [str(option.prompt) for option in app.screen.query_one(OptionList).options]
        assert labels == [MEMBER_PHONE, "+8613812345678", "another number…"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_error is not None)
        assert app.last_error == f"dial failed: POST /api/calls/dial: {NO_TELEPHONY} (503)"


async def test_the_dtmf_pad_sends_the_digits_typed_or_clicked(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        desk_api.push(
            "agent1",
            CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline", "agent1"),
        )
        await wait_for(pilot, lambda: "TALKING" in text_of(app, "#pop"))
        await open_dialog(pilot, "k", DtmfPad)
        await pilot.press("1", "2", "x", "backspace", "#")
        await pilot.click("#key-10")  # the "0" key
        pad = app.screen
        assert isinstance(pad, DtmfPad) and pad.digits == "1#0"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_error is not None)
        assert app.last_error == f"DTMF failed: POST /api/calls/{CALL}/dtmf: {NO_TELEPHONY} (503)"


async def test_a_call_known_without_its_pop_gets_it_from_the_service(
    desk_api: ThreadedApi,
) -> None:
    # The console opened after the ring: only call_update reaches it, no screen_pop.
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        desk_api.push(
            "agent1",
            CallUpdate(CALL, "answered", MEMBER_PHONE, "2026-03-02T09:29:50Z", "hotline", "agent1"),
        )
        await wait_for(pilot, lambda: "李娜" in text_of(app, "#pop"))
        desk_api.push(
            "agent1",
            CallUpdate("c-2", "answered", "13900000000", "2026-03-02T09:31:00Z", "hotline",
                       "agent1"),
        )  # fmt: skip
        await wait_for(pilot, lambda: "c-2" in app.desk.calls and app.desk.calls["c-2"].popped)
        assert app.desk.calls["c-2"].member is None  # nobody has that number
        assert app.desk.current == CALL, "the first call keeps the screen"


async def test_the_pop_says_who_transferred_and_that_the_ivr_verified_the_caller(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        pop = replace(
            member_pop(desk_api), verified_in_ivr=True, transferred_by="agent2", note="VIP"
        )
        desk_api.push("agent1", pop)
        await wait_for(pilot, lambda: "李娜" in text_of(app, "#pop"))
        text = text_of(app, "#pop")
        assert "VERIFIED (PIN in IVR)" in text
        assert "Transferred by agent2: VIP" in text
