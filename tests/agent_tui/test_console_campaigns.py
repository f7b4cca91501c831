"""Campaigns in the console: the agent's campaign call (script, codes, member), "do not
call", the preview screen over the real preview routes, and the wall-board's campaign
panel — driven with Pilot, and as SVG snapshots at 80×24 and 120×40."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.preview import PreviewScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import (
    AgentState,
    CallUpdate,
    CampaignCall,
    CampaignUpdate,
    TelephonyStatus,
    WrapUpCode,
)
from tests.support.console_app import (
    board_rows,
    connected_on,
    console_for,
    form_ready,
    member_pop,
    settle_charts,
    text_of,
    wait_for,
)
from tests.support.desk_api import MEMBER_PHONE, PASSWORD, ThreadedApi, fetch

SIZES = [(80, 24), (120, 40)]
Snap = Callable[..., bool]
SUPERVISORS: Any = ("supervisor", "admin")
ATTEMPT = "5f1c0a7e9b2d4c6e8a0b1c2d3e4f5a6b"
SCRIPT = "您好，我是客服中心的小王：您有 1,200 积分将在本月底到期，可兑换礼品。"
WINDOWS = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def campaign_call(api: ThreadedApi) -> CampaignCall:
    """The dialer connects 李娜 to agent1 for the points-expiry campaign."""
    member = member_pop(api).member
    return CampaignCall(
        ATTEMPT, 4, "积分到期", "+86" + MEMBER_PHONE, "李娜", member, SCRIPT,
        (WrapUpCode("SALE", "Sale"), WrapUpCode("ENQUIRY", "Enquiry answered")),
    )  # fmt: skip


async def talking_to_a_lead(pilot: Pilot[None], api: ThreadedApi) -> ConsoleApp:
    """agent1's desk with the campaign call answered."""
    app = await connected_on(pilot, DeskScreen)
    api.push("agent1", TelephonyStatus(True))
    api.push("agent1", AgentState("agent1", "on_call", "2026-03-02T09:29:40Z", None, ["hotline"]))
    api.push("agent1", campaign_call(api))
    await wait_for(pilot, lambda: "积分到期" in text_of(app, "#pop"))
    return app


def figures(campaign_id: int, name: str, **changes: Any) -> CampaignUpdate:
    """A running predictive campaign's figures; ``changes`` on top."""
    values: dict[str, Any] = dict(
        campaign_id=campaign_id, name=name, mode="predictive", status="running", dialled=412,
        ringing=6, answered=131, connected=128, abandoned=3, machines=17,
        abandon_rate_30d=0.021, abandon_rate_24h=0.023, abandon_target=0.03,
        leads_remaining=1588, pacer_mode="predictive", pacer_detail="predictive",
        agents_ready=3, agents_talking=38, agents_wrapping_up=9,
    )  # fmt: skip
    values.update(changes)
    return CampaignUpdate(**values)


def preview_campaign(api: ThreadedApi) -> int:
    """A running preview campaign for agent1 with 李娜 as its one lead; its id."""

    async def make(crm: Any) -> int:
        view = await crm.campaigns.create(
            {"name": "生日关怀", "mode": "preview", "agents": ["agent1"], "time_zone": "UTC",
             "windows": WINDOWS, "script": SCRIPT, "dispositions": ["SALE", "ENQUIRY"]},
            "boss",
        )  # fmt: skip
        csv = f"phone,member_number,name\n{MEMBER_PHONE},{api.member_number},李娜\n"
        report = await crm.campaigns.import_csv(view.id, csv.encode(), default_region="CN")
        assert report.accepted == 1, report
        await crm.campaigns.set_status(view.id, "start", "boss")
        return int(view.id)

    return int(fetch(api, make))


async def previewing(pilot: Pilot[None], campaign_id: int) -> ConsoleApp:
    """The preview screen of ``campaign_id`` showing its lead."""
    app = await connected_on(pilot, DeskScreen)
    await pilot.press("O")
    await form_ready(pilot)
    await pilot.press(*str(campaign_id), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen))
    screen = app.screen
    assert isinstance(screen, PreviewScreen)
    await wait_for(pilot, lambda: screen.lead is not None)
    return app


# -- behaviour ---------------------------------------------------------------------------------
async def test_a_campaign_call_shows_its_script_and_the_wrap_up_offers_its_codes(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await talking_to_a_lead(pilot, desk_api)
        pop, script = text_of(app, "#pop"), text_of(app, "#panel-script")
        assert "CAMPAIGN" in pop and SCRIPT[:10] in script and "李娜" in pop
        assert "SALE Sale" in script
        call = app.desk.call
        assert call is not None and call.campaign is not None and call.talking
        desk_api.push(
            "agent1",
            CallUpdate(ATTEMPT, "ended", call.caller, "2026-03-02T09:29:30Z", None, "agent1"),
        )
        await wait_for(pilot, lambda: app.desk.wrap_up_call is not None)
        await pilot.press("w")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WrapUpScreen")
        options = app.screen.query_one("#wrapup-codes")
        assert [str(options.get_option_at_index(i).id) for i in range(2)] == [  # type: ignore[attr-defined]
            "SALE",
            "ENQUIRY",
        ]


async def test_do_not_call_writes_the_number_with_the_reason_at_once(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await talking_to_a_lead(pilot, desk_api)
        await pilot.press("D")
        await form_ready(pilot)
        await pilot.press("enter")  # the reason offered: "asked not to be called"
        await wait_for(pilot, lambda: app.last_info is not None)
        assert app.last_info == f"+86{MEMBER_PHONE} will not be called again"
        suppressed = fetch(
            desk_api,
            lambda crm: crm.campaigns.is_suppressed(
                f"+86{MEMBER_PHONE}", None, crm.campaigns.clock()
            ),
        )
        assert suppressed is True


async def test_the_preview_screen_shows_the_lead_and_a_skip_gives_it_back(
    desk_api: ThreadedApi,
) -> None:
    campaign_id = preview_campaign(desk_api)
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await previewing(pilot, campaign_id)
        screen = app.screen
        assert isinstance(screen, PreviewScreen) and screen.lead is not None
        shown = str(screen.query_one("#preview-lead").render())
        assert "生日关怀" in shown and "李娜" in shown and "Points: 1,200 valid" in shown
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.lead is None)
        assert app.last_info == f"Skipped +86{MEMBER_PHONE} (later)"


async def test_the_wall_board_lists_campaigns_and_follows_their_pushes(
    desk_api: ThreadedApi,
) -> None:
    campaign_id = preview_campaign(desk_api)
    async with console_for(desk_api, "boss", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await connected_on(pilot, WallBoardScreen)
        await wait_for(pilot, lambda: board_rows(app, "campaigns"))
        assert board_rows(app, "campaigns") == [
            [
                "生日关怀",
                "running",
                "preview",
                "0",
                "0",
                "0",
                "0",
                "0.0%/0.0% ≤3%",
                "-",
                "-/-/-",
                "",
            ]
        ]
        desk_api.broadcast(figures(campaign_id, "生日关怀", abandon_rate_30d=0.034), SUPERVISORS)
        await wait_for(pilot, lambda: board_rows(app, "campaigns")[0][3] == "412")
        assert board_rows(app, "campaigns")[0][7:] == [
        "3.4%/2.3% ≤3% !", "1588", "3/38/9", "predictive",
    ]  # fmt: skip


# -- snapshots ---------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_agent_desk_with_a_campaign_call(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    async def talking(pilot: Pilot[None]) -> None:
        await talking_to_a_lead(pilot, desk_api)

    app = console_for(desk_api, "agent1", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=talking)


@pytest.mark.parametrize("size", SIZES)
def test_preview_screen_with_a_member_lead(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    campaign_id = preview_campaign(desk_api)

    async def shown(pilot: Pilot[None]) -> None:
        await previewing(pilot, campaign_id)

    app = console_for(desk_api, "agent1", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=shown)


@pytest.mark.parametrize("size", SIZES)
def test_supervisor_wall_board_with_campaigns(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int]
) -> None:
    async def busy(pilot: Pilot[None]) -> None:
        app = await connected_on(pilot, WallBoardScreen)
        for message in (
            TelephonyStatus(True),
            figures(1, "积分到期"),
            figures(2, "生日关怀", mode="progressive", status="paused", pacer_mode=None,
                    dialled=40, answered=12, connected=12, abandoned=0, abandon_rate_30d=0.0,
                    abandon_rate_24h=0.0, leads_remaining=210),
            figures(3, "Points IVR", mode="ivr_message", pacer_mode=None, connected=0,
                    abandoned=0, abandon_rate_30d=0.0, abandon_rate_24h=0.0),
            figures(4, "Win-back", abandon_rate_30d=0.03, abandon_rate_24h=0.041,
                    pacer_mode="progressive_at_cap"),
            AgentState("agent1", "on_call", "2026-03-02T09:29:00Z", None, ["hotline"]),
        ):  # fmt: skip
            desk_api.broadcast(message, SUPERVISORS)
        await wait_for(pilot, lambda: len(app.board.campaigns) == 4 and app.board.agents)
        await wait_for(pilot, lambda: len(board_rows(app, "campaigns")) == 4)
        settle_charts(app)
        await pilot.pause()

    app = console_for(desk_api, "boss", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=busy)
