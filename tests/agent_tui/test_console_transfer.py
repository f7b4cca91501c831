"""A blind transfer driven from the console on the real sandbox: pops at the second agent.

A real queue call pops at agent1's console; agent1 transfers it blind to agent2 with the
soft-phone key; agent2's console pops the caller's member, and the supervisor's
wall-board shows the call on agent2.
"""

from __future__ import annotations

from agent_tui.app import ConsoleApp
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import FormScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.console_app import board_rows, text_of, wait_for
from tests.support.telephony import (
    MEMBER_PHONE,
    PASSWORD,
    add_agent,
    hang_up_everything,
    originate,
    seed_member,
)


async def test_a_blind_transfer_pops_at_the_second_agent_and_moves_on_the_wall_board(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service, "agent1", "Local/6001@test-phones/n")
    await service.crm.users.add(
        {
            "login": "agent2",
            "display_name": "Agent Two",
            "role": "agent",
            "interface": "Local/6002@test-phones/n",
            "queues": [{"queue": "vip"}],
        },
        password=PASSWORD,
    )
    member_number = await seed_member(service)
    url = f"http://127.0.0.1:{service.port}"
    first = ConsoleApp(url, user="agent1", password=PASSWORD)
    second = ConsoleApp(url, user="agent2", password=PASSWORD)
    board = ConsoleApp(url, user="boss", password=PASSWORD)
    async with (
        first.run_test(size=(80, 24)) as one,
        second.run_test(size=(80, 24)) as two,
        board.run_test(size=(160, 48)) as sup,
    ):
        try:
            for pilot, app in ((one, first), (two, second)):
                await wait_for(
                    pilot, lambda app=app: isinstance(app.screen, DeskScreen) and app.desk.connected
                )
            await wait_for(
                sup, lambda: isinstance(board.screen, WallBoardScreen) and board.desk.connected
            )
            await one.press("i")
            await wait_for(one, lambda: first.desk.agent_state == "ready", within=15)

            await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
            await wait_for(
                one,
                lambda: (
                    "TALKING" in text_of(first, "#pop") and member_number in text_of(first, "#pop")
                ),
                within=20,
            )

            await one.press("t")
            await wait_for(one, lambda: isinstance(first.screen, FormScreen))
            await one.press(*"agent2", "enter", "enter")  # mode stays "blind"
            await wait_for(one, lambda: (first.last_info or "").startswith("Transfer"), within=15)
            assert first.last_error is None, first.last_error

            await wait_for(two, lambda: member_number in text_of(second, "#pop"), within=20)
            await wait_for(
                sup,
                lambda: (
                    [MEMBER_PHONE, "agent2"]
                    in [[row[0], row[3]] for row in board_rows(board, "calls")]
                ),
                within=20,
            )
        finally:
            await hang_up_everything(ami)
            await one.press("o")
