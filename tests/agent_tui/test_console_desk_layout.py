"""The agent desk fills the screen at 80×24, 120×40 and 200×50: the call, the member and
their panels (open requests, last calls, the points ledger) without another key, with a
Chinese name and a long English one (double-width characters stay aligned)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.keys_help import KeysScreen
from cti.protocol import AgentState, CallUpdate, QueueUpdate, TelephonyStatus
from tests.support.console_app import at_desk, console_for, shown_text, text_of, wait_for
from tests.support.desk_api import MEMBER_PHONE, PASSWORD, ThreadedApi
from tests.support.desk_story import LONG_NAME, story_pop

SIZES = [(80, 24), (120, 40), (200, 50)]
NAMES = {"chinese": None, "long-english": LONG_NAME}
Snap = Callable[..., bool]
CALL = "1772443800.21"


async def talking(pilot: Pilot[None], api: ThreadedApi, name: str | None) -> ConsoleApp:
    """agent1's desk, talking to the member for 20 s after 10 s in the queue, 5 s of hold."""
    app = await at_desk(pilot)
    phone = MEMBER_PHONE if name is None else "13700000042"
    api.push("agent1", TelephonyStatus(True))
    api.push("agent1", AgentState("agent1", "on_call", "2026-03-02T09:29:40Z", None, ["hotline"]))
    api.push("agent1", QueueUpdate("hotline", 3, 42, 0, 2, 1, 20))
    api.push("agent1", story_pop(api, name, phone, CALL))
    for state, at in (("ringing", "09:29:30"), ("answered", "09:29:40"), ("held", "09:29:50"),
                      ("answered", "09:29:55")):  # fmt: skip
        api.push("agent1", CallUpdate(CALL, state, phone, f"2026-03-02T{at}Z", "hotline", "agent1"))
    await wait_for(pilot, lambda: "hold 00:05" in text_of(app, "#pop"))
    await wait_for(pilot, lambda: "Thermos" in text_of(app, "#panel-ledger"))
    return app


@pytest.mark.parametrize("name", list(NAMES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_desk_shows_call_member_and_panels(
    snap_compare: Snap, desk_api: ThreadedApi, size: tuple[int, int], name: str
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await talking(pilot, desk_api, NAMES[name])

    app = console_for(desk_api, "agent1", PASSWORD)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_the_call_card_times_wait_talk_and_hold_and_the_panels_fill_in(
    desk_api: ThreadedApi,
) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(120, 40)) as pilot:
        app = await talking(pilot, desk_api, None)
        pop = text_of(app, "#pop")
        assert "wait 00:10  talk 00:15  hold 00:05" in pop
        assert "VERIFIED" in pop and "1,350 valid" in pop and "150 expire 2026-03-22" in pop
        requests = text_of(app, "#panel-requests").splitlines()[1:3]
        assert "电子狗无法充电" in requests[0]
        columns = {cell_len(row[: row.index(" new ")]) for row in requests}
        assert len(columns) == 1, "the status column lines up after a double-width subject"
        history = text_of(app, "#panel-history")
        assert "SALE" in history and "bought a charger" in history
        assert all(app.screen.query_one(f"#panel-{p}").display for p in ("requests", "ledger"))


async def test_a_narrow_desk_switches_panels_with_one_key(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await talking(pilot, desk_api, None)
        shown = lambda: [p for p in ("requests", "history", "ledger", "script")  # noqa: E731
                         if app.screen.query_one(f"#panel-{p}").display]  # fmt: skip
        assert shown() == ["requests"]
        await pilot.press("3")
        assert shown() == ["ledger"]
        await pilot.press("2")
        assert shown() == ["history"]


async def test_question_mark_lists_every_key_by_group(desk_api: ThreadedApi) -> None:
    async with console_for(desk_api, "agent1", PASSWORD).run_test(size=(80, 24)) as pilot:
        app = await talking(pilot, desk_api, None)
        assert "? more" in text_of(app, "#softphone")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        listed = shown_text(app.screen.query_one("#keys-list"))
        for title in ("Call", "Member record", "Agent", "Desk", "Panels"):
            assert title in listed
        assert "Redeem points" in listed and "Sign in  (not now)" in listed
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
