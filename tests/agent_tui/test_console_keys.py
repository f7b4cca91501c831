"""The key table: every binding, bar entry and allowed-check of the console comes from it."""

from __future__ import annotations

import pytest

from agent_tui.desk_state import DeskState
from agent_tui.keys import BOARD_KEYS, DESK_KEYS, KeyAction, key_line
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.wallboard import WallBoardScreen
from agent_tui.widgets.softphone import KEY_STYLE, keys_text
from cti.protocol import AgentState, CallUpdate, ScreenPop
from tests.support.wire import member_summary

MEMBER = member_summary()


def _method(action: str) -> str:
    return "action_" + action.split("(", 1)[0]


@pytest.mark.parametrize(
    ("screen", "keys"), [(DeskScreen, DESK_KEYS), (WallBoardScreen, BOARD_KEYS)]
)
def test_every_binding_has_exactly_one_entry_and_every_entry_an_action(
    screen: type[DeskScreen | WallBoardScreen], keys: tuple[KeyAction, ...]
) -> None:
    bindings = [(b.key, b.action, b.description) for b in screen.BINDINGS]
    assert bindings == [(k.key, k.action, k.description) for k in keys]
    assert len({k.key for k in keys}) == len(keys), "one entry per key"
    assert len({k.action for k in keys}) == len(keys), "one entry per action"
    on_screen = [k for k in keys if not k.action.startswith("app.")]
    assert all(hasattr(screen, _method(k.action)) for k in on_screen)


def test_the_wall_boards_key_line_names_every_key() -> None:
    assert key_line(BOARD_KEYS) == (
        "l listen  W whisper  B barge  R release  I intercept  S sign out  "
        "Z pause  N notice  C call back  o order  a desk  T stats  ? keys  q quit"
    )


def _live_on_bar(desk: DeskState) -> set[str]:
    """The keys the key bar draws (only the live ones are on it)."""
    bar = keys_text(DESK_KEYS, desk)
    live = [span for span in bar.spans if span.style == KEY_STYLE]
    return {bar.plain[span.start : span.end].strip() for span in live}


def _desk(*messages: object) -> DeskState:
    desk = DeskState(login="agent1", my_queues=("hotline",))
    for message in messages:
        desk.apply(message)  # type: ignore[arg-type]
    return desk


TALKING_TO_A_MEMBER = (
    AgentState("agent1", "on_call", "2026-03-02T09:29:00Z", None, ["hotline"]),
    ScreenPop("c1", "138", "400", None, "hotline", MEMBER),
    CallUpdate("c1", "answered", "138", "2026-03-02T09:29:00Z", "hotline", "agent1"),
)


@pytest.mark.parametrize(
    ("messages", "live"),
    [
        ((), {"i", "d", "b", "f", "O", "l", "?", "q"}),
        (TALKING_TO_A_MEMBER, set("htcxkDsgevnbfmOl?q")),
    ],
    ids=["signed out, no call", "talking to a member"],
)
def test_the_key_bar_lists_exactly_the_allowed_actions(
    messages: tuple[object, ...], live: set[str]
) -> None:
    desk = _desk(*messages)
    assert _live_on_bar(desk) == live
    panel_keys = {k.shown for k in DESK_KEYS if k.group == "view"}  # on the tab strip instead
    assert panel_keys == {"1", "2", "3", "4"}
    assert {k.shown for k in DESK_KEYS if desk.allowed(k.action)} == live | panel_keys


def test_the_key_bar_is_one_line_that_fits_and_points_to_the_rest() -> None:
    desk = _desk(*TALKING_TO_A_MEMBER)
    bar = keys_text(DESK_KEYS, desk, width=80)
    assert "\n" not in bar.plain and bar.cell_len <= 80
    assert bar.plain.startswith("h hold  t transfer") and bar.plain.endswith("? more")
    assert " │ s request" in bar.plain, "groups are split by a bar"
