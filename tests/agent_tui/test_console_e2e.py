"""The console end to end on the real sandbox Asterisk and the real service.

An agent console signs in with its key, pauses for lunch and is ready again (the
supervisor sees the reason), a real queue call rings the agent's phone, the
pop shows the member while it rings, the agent opens a service request from the call,
the caller hangs up (the request is then on the call's record), the agent wraps up with
a disposition and is ready again; a supervisor console's wall-board shows the call and
the agent while it lasts.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import ChoiceScreen, FormScreen
from agent_tui.screens.wallboard import WallBoardScreen
from agent_tui.screens.wrapup import WrapUpScreen
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.console_app import board_rows, text_of, wait_for
from tests.support.telephony import (
    MEMBER_PHONE,
    PASSWORD,
    RINGING_PHONE,
    add_agent,
    hang_up_everything,
    originate,
    seed_member,
)


async def _call_logged(service: CtiService, call_id: str) -> Any:
    try:
        return await service.crm.calls.get(call_id)
    except Exception:  # not written yet
        return None


async def test_a_real_call_pops_is_worked_wrapped_up_and_seen_on_the_wall_board(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service, interface=RINGING_PHONE)
    member_number = await seed_member(service)  # also adds the supervisor "boss"
    await service.crm.dispositions.define({"code": "SALE", "label": "Sale"})
    url = f"http://127.0.0.1:{service.port}"
    agent_app = ConsoleApp(url, user="agent1", password=PASSWORD)
    board_app = ConsoleApp(url, user="boss", password=PASSWORD)
    async with (
        agent_app.run_test(size=(80, 24)) as pilot,
        board_app.run_test(size=(160, 48)) as board,
    ):
        try:
            await wait_for(
                pilot, lambda: isinstance(agent_app.screen, DeskScreen) and agent_app.desk.connected
            )
            await wait_for(
                board,
                lambda: isinstance(board_app.screen, WallBoardScreen) and board_app.desk.connected,
            )
            await pilot.press("i")
            await wait_for(pilot, lambda: agent_app.desk.agent_state == "ready", within=15)
            assert "Ready" in text_of(agent_app, "#status")
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(agent_app.screen, ChoiceScreen))
            await pilot.press("down", "enter")  # "lunch"
            await wait_for(
                pilot, lambda: "Paused: lunch" in text_of(agent_app, "#status"), within=15
            )
            await wait_for(
                board,
                lambda: (
                    ["agent1", "paused (lunch)"]
                    in [[row[0], row[1]] for row in board_rows(board_app, "agents")]
                ),
                within=15,
            )
            await pilot.press("P")
            await wait_for(pilot, lambda: agent_app.desk.agent_state == "ready", within=15)

            await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
            await wait_for(pilot, lambda: "李娜" in text_of(agent_app, "#pop"), within=20)
            pop = text_of(agent_app, "#pop")
            assert "RINGING" in pop, "the pop is on screen before the phone is answered"
            assert member_number in pop and "1,200" in pop
            call = agent_app.desk.call
            assert call is not None
            await wait_for(pilot, lambda: "TALKING" in text_of(agent_app, "#pop"), within=20)
            await wait_for(
                board,
                lambda: (
                    [MEMBER_PHONE, "agent1"]
                    in [[row[0], row[3]] for row in board_rows(board_app, "calls")]
                ),
            )
            assert any(row[0] == "agent1" for row in board_rows(board_app, "agents"))

            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(agent_app.screen, FormScreen))
            await pilot.press("enter", *"complaint", "enter", "enter", "enter")
            await wait_for(pilot, lambda: (agent_app.last_info or "").startswith("Service req"))
            view = await service.crm.member360.view(member_number)
            assert [r.subject for r in view.open_requests] == [f"Call from {MEMBER_PHONE}"]

            await hang_up_everything(ami)
            await wait_for(pilot, lambda: agent_app.desk.wrap_up_call is not None, within=20)
            await wait_for(board, lambda: not board_rows(board_app, "calls"), within=20)
            for _ in range(200):
                if await _call_logged(service, call.call_id) is not None:
                    break
                await pilot.pause(0.05)
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(agent_app.screen, WrapUpScreen))
            agent_app.screen.query_one(OptionList).focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: call.call_id not in agent_app.desk.calls, within=15)
            logged = await service.crm.calls.get(call.call_id)
            assert logged.disposition_code == "SALE"
            assert logged.member_number == member_number
            # The request opened during the call is on the call's record, not in its text.
            assert [r.subject for r in logged.service_requests] == [f"Call from {MEMBER_PHONE}"]
            await wait_for(pilot, lambda: agent_app.desk.agent_state == "ready", within=15)
            assert agent_app.last_error is None, agent_app.last_error
        finally:
            await hang_up_everything(ami)
            await pilot.press("o")
            await wait_for(pilot, lambda: agent_app.desk.agent_state == "signed_out", within=15)
