"""On the record from the desk: note, knowledge base, survey, member search and view."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, OptionList, TabbedContent

from agent_tui.screens.dialogs import ChoiceScreen, FormScreen, TextScreen
from agent_tui.screens.member import MemberScreen
from tests.support.console_app import (
    CALL,
    at_desk,
    console_for,
    member_on_call,
    open_dialog,
    wait_for,
)
from tests.support.desk_api import MEMBER_PHONE, NOW, PASSWORD, ThreadedApi, fetch


@pytest.fixture
def desk_api(any_desk_api: ThreadedApi) -> ThreadedApi:
    """These record actions run against SQLite and PostgreSQL."""
    return any_desk_api


async def test_a_note_is_saved_on_the_member_with_the_call(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        await open_dialog(pilot, "n", FormScreen)
        await pilot.press(*"call back on Friday", "enter")
        await wait_for(pilot, lambda: app.last_info == "Note saved")
        notes = fetch(desk_api, lambda crm: crm.activities.activities_of(desk_api.member_number))
        assert [n.body for n in notes] == ["call back on Friday"], "the call is not in the text"
        assert (notes[0].created_by, notes[0].pending_call_linked_id) == ("agent1", CALL)

        # The call ends and is logged: the member view shows the note on that call.
        fetch(desk_api, lambda crm: crm.calls.record(
            {"linked_id": CALL, "direction": "inbound", "caller": MEMBER_PHONE, "queue": "hotline",
             "member_number": desk_api.member_number, "started_at": NOW, "ended_at": NOW}
        ))  # fmt: skip
        app.push_screen(MemberScreen(desk_api.member_number))
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))

        def summary() -> str:
            return "".join(str(widget.render()) for widget in app.screen.query("#member-summary"))

        await wait_for(pilot, lambda: "hotline" in summary())
        assert "· 1 note" in summary()


async def test_the_knowledge_base_is_searched_and_an_article_read_while_talking(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        await open_dialog(pilot, "b", FormScreen)
        await pilot.press(*"充电", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        options = app.screen.query_one(OptionList)
        assert "电子狗无法充电怎么办" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextScreen))
        assert "充电" in str(app.screen.query_one("#body").render())
        await pilot.press("escape")


async def test_a_survey_is_run_with_the_caller_question_by_question(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await member_on_call(pilot, desk_api)
        await pilot.press("v")
        questions = 0
        while not (app.last_info or "").startswith("Survey saved"):
            await wait_for(
                pilot,
                lambda: (
                    isinstance(app.screen, ChoiceScreen)
                    or (app.last_info or "").startswith("Survey saved")
                ),
            )
            question = app.screen
            if isinstance(question, ChoiceScreen):
                questions += 1
                await pilot.press("enter")  # the first option
                await wait_for(pilot, lambda question=question: app.screen is not question)
        responses = fetch(
            desk_api, lambda crm: crm.survey_responses.of_member(desk_api.member_number)
        )
        assert len(responses) == 1
        assert responses[0].agent == "agent1"
        assert len(responses[0].answers) == questions


async def test_members_are_found_by_phone_and_the_member_view_has_the_ledger_tab(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await at_desk(pilot)
        await open_dialog(pilot, "f", FormScreen)
        await pilot.press(*"138 1234 5678", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        ledger = app.screen.query_one("#ledger", DataTable)
        await wait_for(pilot, lambda: ledger.row_count == 1)
        assert [str(cell) for cell in ledger.get_row_at(0)[1:3]] == ["gift", "+1,200"]
        assert "李娜" in str(app.screen.query_one("#member-title").render())
        app.screen.query_one(TabbedContent).active = "tab-ledger"
        await pilot.pause()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MemberScreen))
