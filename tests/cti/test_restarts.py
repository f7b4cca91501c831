"""Restarts on the real sandbox: Asterisk's while the service runs, and the service's own.

``AsteriskServer.restart`` stops Asterisk by pid and starts it on the same ports with the
same secret, so the other tests of the session are not disturbed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.service import CtiService
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.control import bridged_with, talking, wait_model
from tests.support.telephony import (
    AGENT_PHONE,
    MEMBER_PHONE,
    Console,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
    running_service,
    seed_member,
    signed_in_members,
)


async def connected(asterisk: AsteriskServer) -> AmiClient:
    """A new AMI connection to the sandbox, logged in."""
    client = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    response = await client.login(asterisk.ami_username, asterisk.ami_secret)
    assert response["Response"] == "Success", response
    return client


async def test_consoles_see_asterisk_go_and_come_back_and_calls_pop_again(
    asterisk: AsteriskServer, service: CtiService
) -> None:
    await add_agent(service)
    member_number = await seed_member(service)
    async with agent_console(service, "agent1") as console:
        try:
            await console.post("/api/agent/signin", {"queues": ["hotline"]})
            await console.post("/api/agent/pause", {"reason": "training"})
            await console.next_matching("agent_state", state="paused")

            await asyncio.to_thread(asterisk.restart)
            offline = await console.next_matching("telephony_status", online=False)
            assert offline["detail"]
            await console.next_matching("telephony_status", online=True, within=30)

            ami = await connected(asterisk)
            try:
                if AGENT_PHONE not in await signed_in_members(ami, "hotline"):
                    await ami.wait_for_event("QueueMemberAdded", Interface=AGENT_PHONE)
                paused = await ami.list_action("QueueStatus", Queue="hotline")
                mine = [e for e in paused if e.get("Location") == AGENT_PHONE]
                if mine[0].get("Paused") != "1":
                    await ami.wait_for_event("QueueMemberPause", Interface=AGENT_PHONE)
                assert (await console.post("/api/agent/unpause")).status == 204
                await console.next_matching("agent_state", state="ready")

                await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
                pop = await console.next_matching("screen_pop")
                assert pop["member"]["number"] == member_number
            finally:
                await hang_up_everything(ami)
                await ami.close()
        finally:
            await console.post("/api/agent/signout")


async def answer_a_call(
    ami: AmiClient, service: CtiService, console: Console
) -> tuple[AmiMessage, AmiMessage]:
    """agent1 (``console``) signs in and answers a member's hotline call:
    (``QueueCallerJoin``, ``AgentConnect``) once the console shows it answered and the
    service sees the two parties bridged."""
    assert (await console.post("/api/agent/signin", {})).status == 200
    await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
    joined = await ami.wait_for_event("QueueCallerJoin")
    connect = await ami.wait_for_event("AgentConnect", Linkedid=joined["Linkedid"])
    await console.next_matching("call_update", call_id=joined["Linkedid"], state="answered")
    await wait_model(service, lambda: talking(service, joined["Linkedid"]))
    return joined, connect


@pytest.fixture
async def phones_cleared(ami: AmiClient) -> AsyncIterator[AmiClient]:
    """The test's AMI connection; after the test, whatever it left (a call still up, agent
    1 still a member of the hotline) is undone, even when it failed before its own cleanup."""
    yield ami
    await hang_up_everything(ami)
    await ami.action("QueueRemove", Queue="hotline", Interface=AGENT_PHONE)


async def test_a_call_in_progress_is_live_again_after_the_service_restarts(
    asterisk: AsteriskServer, sqlite_url: str, phones_cleared: AmiClient
) -> None:
    ami = phones_cleared
    async with running_service(asterisk, sqlite_url) as first:
        await add_agent(first)
        await seed_member(first)
        async with agent_console(first, "agent1") as console:
            joined, _connect = await answer_a_call(ami, first, console)
            call_id = joined["Linkedid"]
    async with (
        running_service(asterisk, sqlite_url) as second,
        agent_console(second, "boss") as supervisor,
    ):
        calls = (await supervisor.get("/api/calls"))["calls"]
        live = {call["call_id"]: call for call in calls}
        assert call_id in live, calls
        assert live[call_id]["state"] == "answered"
        assert live[call_id]["caller"] == MEMBER_PHONE
        assert live[call_id]["queue"] == "hotline"
        assert live[call_id]["agent"] == "agent1"
        agents = (await supervisor.get("/api/agents"))["agents"]
        assert [(a["login"], a["state"]) for a in agents] == [("agent1", "on_call")]

        await ami.action("Hangup", Channel=joined["Channel"])
        record = await second.call_log.wait_for(call_id, within=15)
        assert record.agent_login == "agent1"
        assert record.queue == "hotline"
        assert record.answered_at is not None


async def test_a_call_held_before_the_service_restarts_is_retrieved_by_the_next_one(
    asterisk: AsteriskServer, sqlite_url: str, phones_cleared: AmiClient
) -> None:
    """The hold is found in the dialplan (``ctidesk-hold``), not in the old process."""
    ami = phones_cleared
    async with running_service(asterisk, sqlite_url) as first:
        await add_agent(first)
        async with agent_console(first, "agent1") as console:
            joined, connect = await answer_a_call(ami, first, console)
            caller, call_id, agent_leg = (
                joined["Channel"],
                joined["Linkedid"],
                connect["DestChannel"],
            )
            response = await console.post(f"/api/calls/{call_id}/hold")
            assert response.status == 200, await response.text()
            await ami.wait_for_event("MusicOnHoldStart", Channel=caller)
    async with (
        running_service(asterisk, sqlite_url) as second,
        agent_console(second, "agent1") as console,
    ):
        await wait_model(second, lambda: any(leg.agent for leg in second.model.legs(call_id)))
        response = await console.post(f"/api/calls/{call_id}/retrieve")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("MusicOnHoldStop", Channel=caller)
        assert await bridged_with(ami, caller) == {agent_leg}
        again = await console.post(f"/api/calls/{call_id}/retrieve")
        assert again.status == 409
        assert "is not on hold" in (await again.json())["message"]


async def test_a_conference_open_before_the_service_restarts_keeps_its_room(
    asterisk: AsteriskServer, sqlite_url: str, phones_cleared: AmiClient
) -> None:
    """The next service reads the room from ``CoreShowChannels``: a third party added
    later joins the same room, and no other call is given it."""
    ami = phones_cleared
    async with running_service(asterisk, sqlite_url) as first:
        await add_agent(first)
        async with agent_console(first, "agent1") as console:
            joined, _connect = await answer_a_call(ami, first, console)
            caller, call_id = joined["Channel"], joined["Linkedid"]
            response = await console.post(f"/api/calls/{call_id}/conference", {"target": "6004"})
            assert response.status == 200, await response.text()
            room = (await response.json())["detail"]
            await ami.wait_for_event("ConfbridgeJoin", Conference=room, Channel=caller)
    async with (
        running_service(asterisk, sqlite_url) as second,
        agent_console(second, "agent1") as console,
    ):
        assert second.model.call(call_id, 0).conference == room  # type: ignore[union-attr]
        assert second.calls.free_room() != room
        response = await console.post(f"/api/calls/{call_id}/conference", {"target": "6005"})
        assert response.status == 200, await response.text()
        assert (await response.json())["detail"] == room
        await ami.wait_for(
            lambda: any(
                e.get("Event") == "ConfbridgeJoin" and e.get("Conference") == room
                and e["Channel"].startswith("Local/6005@ctidesk-outbound")
                for e in ami.events
            )
        )  # fmt: skip
