"""Service level per queue on the real sandbox: the thresholds set in queues.conf
(``servicelevel``) reach ``GET /api/queues``, ``queue_update`` and the wall-board, and
``[telephony] service_level`` overrides them."""

from __future__ import annotations

from agent_tui.app import ConsoleApp
from agent_tui.screens.wallboard import WallBoardScreen
from cti.service import CtiService
from cti.settings import TelephonySettings
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.console_app import board_rows as rows
from tests.support.console_app import wait_for
from tests.support.control import SECOND_AGENT_PHONE, add_user
from tests.support.telephony import (
    PASSWORD,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
    running_service,
)

QUEUES_CONF = {"hotline": 20, "vip": 10, "pc-digital": 30, "large-equipment": 45}
"""The ``servicelevel`` of each queue in config/asterisk/queues.conf."""


async def asterisk_service_levels(ami: AmiClient) -> dict[str, int]:
    """What Asterisk itself reports: ``ServiceLevel`` of each ``QueueParams``."""
    entries = await ami.list_action("QueueStatus")
    return {e["Queue"]: int(e["ServiceLevel"]) for e in entries if e["Event"] == "QueueParams"}


async def test_queues_and_queue_updates_carry_the_service_level_of_queues_conf(
    service: CtiService, ami: AmiClient
) -> None:
    assert await asterisk_service_levels(ami) == QUEUES_CONF
    await add_user(service, "boss", "supervisor", None)
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE, ("vip",))
    async with agent_console(service, "boss") as boss, agent_console(service, "agent2") as agent:
        queues = (await boss.get("/api/queues"))["queues"]
        assert {q["queue"]: q["service_level_seconds"] for q in queues} == QUEUES_CONF
        mine = (await agent.get("/api/queues"))["queues"]
        assert [(q["queue"], q["service_level_seconds"]) for q in mine] == [("vip", 10)]
        try:
            signin = await agent.post("/api/agent/signin", {"queues": ["vip"]})
            assert signin.status == 200, await signin.text()
            seen_by_boss = await boss.next_matching("queue_update", queue="vip", agents_ready=1)
            assert seen_by_boss["service_level_seconds"] == 10
            seen_by_agent = await agent.next_matching("queue_update", queue="vip", agents_ready=1)
            assert seen_by_agent["service_level_seconds"] == 10
        finally:
            await agent.post("/api/agent/signout")


async def test_an_override_in_the_settings_wins_over_queues_conf(
    asterisk: AsteriskServer, sqlite_url: str
) -> None:
    telephony = TelephonySettings(service_level={"vip": 15}, service_level_seconds=25)
    async with running_service(asterisk, sqlite_url, telephony=telephony) as service:
        await add_user(service, "boss", "supervisor", None)
        async with agent_console(service, "boss") as boss:
            queues = (await boss.get("/api/queues"))["queues"]
    assert {q["queue"]: q["service_level_seconds"] for q in queues} == {
        **QUEUES_CONF,
        "vip": 15,  # the override; Asterisk's 10 and the default 25 do not apply
    }


async def test_the_wall_board_measures_each_queue_against_its_own_threshold(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    await add_user(service, "boss", "supervisor", None)
    board = ConsoleApp(f"http://127.0.0.1:{service.port}", user="boss", password=PASSWORD)
    async with agent_console(service, "agent1") as agent, board.run_test(size=(80, 24)) as sup:
        try:
            await wait_for(
                sup, lambda: isinstance(board.screen, WallBoardScreen) and board.screen.is_mounted
            )
            await wait_for(sup, lambda: board.desk.connected)
            await wait_for(sup, lambda: len(rows(board, "queues")) == len(QUEUES_CONF))
            assert (await agent.post("/api/agent/signin", {})).status == 200
            await originate(ami, '"Caller" <13900000011>')
            joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000011")
            await ami.wait_for_event("AgentConnect", Linkedid=joined["Linkedid"])

            def service_level_cells() -> dict[str, str]:
                return {row[0]: row[-1] for row in rows(board, "queues")}

            # The phone answers at once: well within the hotline's 20 s.
            await wait_for(sup, lambda: service_level_cells().get("hotline") == "100% ≤20s")
            assert service_level_cells() == {
                "hotline": "100% ≤20s",
                "vip": "- ≤10s",
                "pc-digital": "- ≤30s",
                "large-equipment": "- ≤45s",
            }
        finally:
            await hang_up_everything(ami)
            await agent.post("/api/agent/signout")
