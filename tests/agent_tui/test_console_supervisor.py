"""The supervisor's wall-board keys on the real sandbox: call-back and force-release.

A caller abandons while the only agent is paused; the wall-board lists the abandoned
call and its call-back key rings the chosen agent's phone first (AMI ``Newchannel`` of
that phone with the dialled call's id). A talking call selected on the wall-board is
hung up by the force-release key, and the audit trail has both actions.
"""

from __future__ import annotations

from agent_tui.app import ConsoleApp
from agent_tui.screens.dialogs import ChoiceScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.console_app import board_rows as rows
from tests.support.console_app import wait_for
from tests.support.telephony import (
    AGENT_PHONE,
    PASSWORD,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
)

CALLER = "13900000007"


async def test_call_back_and_force_release_from_the_wall_board(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    await service.crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor"}, password=PASSWORD
    )
    board = ConsoleApp(f"http://127.0.0.1:{service.port}", user="boss", password=PASSWORD)
    async with agent_console(service, "agent1") as agent, board.run_test(size=(160, 48)) as sup:
        try:
            await wait_for(sup, lambda: isinstance(board.screen, WallBoardScreen))
            await wait_for(sup, lambda: board.desk.connected)
            assert (await agent.post("/api/agent/signin", {})).status == 200
            assert (await agent.post("/api/agent/pause", {"reason": "briefing"})).status == 204
            await ami.wait_for_event("QueueMemberPause", Interface=AGENT_PHONE, Paused="1")

            await originate(ami, f'"Stranger" <{CALLER}>')
            joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum=CALLER)
            await ami.action("Hangup", Channel=joined["Channel"])
            await wait_for(sup, lambda: any(CALLER in row for row in rows(board, "abandoned")))

            await sup.press("C")
            await wait_for(sup, lambda: isinstance(board.screen, ChoiceScreen))
            await sup.press("enter")  # the first (only) agent: agent1
            await wait_for(sup, lambda: (board.last_info or "").startswith("Calling back"))
            assert board.last_error is None, board.last_error
            (entry,) = await service.crm.supervisor_audit.entries(supervisor="boss", limit=5)
            assert (entry.action, entry.agent, entry.detail) == ("callback", "agent1", CALLER)

            def agent_phone_rung() -> bool:
                return any(
                    e.get("Event") == "Newchannel"
                    and e.get("Uniqueid", "").startswith("ctidesk-")  # a call the service dialled
                    and e.get("Channel", "").startswith("Local/6001@test-phones")
                    for e in ami.events
                )

            await ami.wait_for(agent_phone_rung)
            await hang_up_everything(ami)

            assert (await agent.post("/api/agent/unpause")).status == 204
            await originate(ami, '"Second" <13900000008>')
            second = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000008")
            await ami.wait_for_event("AgentConnect", Linkedid=second["Linkedid"])
            await wait_for(sup, lambda: [r for r in rows(board, "calls") if "13900000008" in r])
            await sup.press("R")
            await ami.wait_for_event("Hangup", Channel=second["Channel"])
            await wait_for(sup, lambda: not [r for r in rows(board, "calls") if "13900000008" in r])
            actions = [e.action for e in await service.crm.supervisor_audit.entries(limit=5)]
            assert actions == ["release", "callback"]
        finally:
            await hang_up_everything(ami)
            await agent.post("/api/agent/signout")
