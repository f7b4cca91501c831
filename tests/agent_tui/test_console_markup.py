"""Text from the server or from users is shown as it is, never run as console markup: a
member named ``Eve [/x]`` or ``[@click=app.quit]x`` pops, is found, opens and shows
literally (Rich or Textual markup in it would crash the screen, restyle it, or make a
click run an action)."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from agent_tui.screens.dialogs import ChoiceScreen, FormScreen
from agent_tui.screens.member import MemberScreen
from cti.protocol import ScreenPop
from cti.screen_pop.lookup import member_summary
from tests.support.console_app import at_desk, console_for, open_dialog, text_of, wait_for
from tests.support.desk_api import PASSWORD, ThreadedApi, fetch

NAMES = {
    "Eve [/x]": "13900000001",
    "[@click=app.quit]x": "13900000002",
}


def member_with(api: ThreadedApi, name: str, phone: str) -> str:
    """A member of this name and phone in the API's CRM; their number."""
    member = fetch(
        api,
        lambda crm: crm.members.create({"name": name, "phones": [phone]}, actor="admin"),
    )
    return str(member.number)


def pop_of(api: ThreadedApi, number: str, phone: str) -> ScreenPop:
    view = fetch(api, lambda crm: crm.member360.view(number))
    return ScreenPop("1772443800.77", phone, "4008001234", "[red]media[/]", "hotline",
                     member_summary(view))  # fmt: skip


@pytest.mark.parametrize("name", list(NAMES))
async def test_a_member_name_with_markup_pops_opens_and_shows_literally(
    desk_api: ThreadedApi, name: str
) -> None:
    phone = NAMES[name]
    number = member_with(desk_api, name, phone)
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(100, 30)) as pilot:
        app = await at_desk(pilot)
        desk_api.push("agent1", pop_of(desk_api, number, phone))
        await wait_for(pilot, lambda: number in text_of(app, "#pop"))
        assert name in text_of(app, "#pop") and "[red]media[/]" in text_of(app, "#pop")

        app.show_error(f"saving the note failed: {name} is [bold]wrong")
        await wait_for(pilot, lambda: name in text_of(app, "#message"))
        assert "[bold]wrong" in text_of(app, "#message")

        await open_dialog(pilot, "f", FormScreen)
        await pilot.press(*phone, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        options = app.screen.query_one(OptionList)
        assert name in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        title = app.screen.query_one("#member-title")
        await wait_for(pilot, lambda: name in str(title.render()))
        summary = app.screen.query_one("#member-summary")
        await wait_for(pilot, lambda: name in str(summary.render()))
        await pilot.click("#member-title")
        await pilot.click("#member-summary")
        assert app.is_running and isinstance(app.screen, MemberScreen)
