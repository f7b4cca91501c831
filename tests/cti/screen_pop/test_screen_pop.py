"""Screen pop end to end: a real queue call on the sandbox Asterisk pops at the agent's console.

The service runs in-process (AMI client to the sandbox, API on a free loopback port); the
agent logs in over HTTP, opens the WebSocket and signs in to ``hotline`` through the API.
"""

from __future__ import annotations

from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.telephony import (
    AGENT_PHONE,
    HOTLINE_DID,
    MEDIA,
    MEMBER_PHONE,
    POINTS,
    RINGING_PHONE,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
    seed_member,
    signed_in_members,
)


async def test_a_member_call_pops_at_the_ringing_agent_before_the_answer(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service, interface=RINGING_PHONE)
    member_number = await seed_member(service)
    async with agent_console(service, "agent1") as console:
        try:
            response = await console.post("/api/agent/signin", {})
            assert response.status == 200
            assert RINGING_PHONE in await signed_in_members(ami, "hotline")

            await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
            pop, popped_at = await console.next_of("screen_pop")
            connect = await ami.wait_for_event("AgentConnect", Linkedid=pop["call_id"])

            assert pop["caller"] == MEMBER_PHONE
            assert pop["did"] == HOTLINE_DID
            assert pop["inbound_media"] == MEDIA
            assert pop["queue"] == "hotline"
            assert pop["member"]["number"] == member_number
            assert pop["member"]["points"]["valid"] == POINTS
            assert popped_at < float(connect["Timestamp"]), (
                f"pop {popped_at - float(connect['Timestamp']):+.3f} s after AgentConnect"
            )
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")


async def test_an_unknown_number_pops_as_unknown(service: CtiService, ami: AmiClient) -> None:
    await add_agent(service)
    async with agent_console(service, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {"queues": ["hotline"]})).status == 200
            await originate(ami, '"Stranger" <13900000001>')
            pop, _ = await console.next_of("screen_pop")
            assert pop["caller"] == "13900000001"
            assert pop["member"] is None
            assert pop["inbound_media"] == MEDIA
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")


async def test_a_calls_pop_read_over_rest_is_the_pushed_one_for_a_shared_number(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    first = await seed_member(service)
    second = await service.crm.members.create(
        {"name": "王芳", "phones": [MEMBER_PHONE]}, actor="tester"
    )
    async with agent_console(service, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {"queues": ["hotline"]})).status == 200
            await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
            pushed, _ = await console.next_of("screen_pop")
            await ami.wait_for_event("AgentConnect", Linkedid=pushed["call_id"])

            served = await console.get(f"/api/calls/{pushed['call_id']}/pop")
            assert {"type": "screen_pop", **served} == pushed
            numbers = {first, second.number}
            assert pushed["member"]["number"] in numbers
            assert pushed["member"]["other_matches"] == sorted(
                numbers - {pushed["member"]["number"]}
            )
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")


async def test_a_pause_reason_with_a_line_break_is_refused_and_nothing_is_sent(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    async with agent_console(service, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {})).status == 200
            response = await console.post("/api/agent/pause", {"reason": "lunch\r\nAction: Hangup"})
            assert response.status == 400
            assert "reason" in await response.text()
            entries = await ami.list_action("QueueStatus", Queue="hotline")
            mine = [e for e in entries if e.get("Event") == "QueueMember"]
            assert mine and all(e.get("Paused") == "0" for e in mine)
            assert (await console.post("/api/agent/pause", {"reason": "lunch"})).status == 204
            paused = await ami.wait_for_event("QueueMemberPause", Paused="1")
            assert paused["PausedReason"] == "lunch"
        finally:
            await console.post("/api/agent/signout")


async def test_an_agent_who_is_not_signed_in_gets_no_pop(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service, "agent1", AGENT_PHONE)
    await add_agent(service, "agent2", "Local/6002@test-phones/n")
    async with agent_console(service, "agent1") as idle, agent_console(service, "agent2") as on:
        try:
            assert (await on.post("/api/agent/signin", {})).status == 200
            await originate(ami, '"Stranger" <13900000009>')
            pop, _ = await on.next_of("screen_pop")
            assert pop["caller"] == "13900000009"
            # A marker after the call has rung: everything for agent1 before it is in order.
            assert (await idle.post("/api/agent/signin", {})).status == 200
            seen = []
            while True:
                message = await idle.socket.receive_json(timeout=15)
                seen.append(message["type"])
                if message["type"] == "agent_state" and message["login"] == "agent1":
                    break
            assert "screen_pop" not in seen, seen
        finally:
            await hang_up_everything(ami)
            await idle.post("/api/agent/signout")
            await on.post("/api/agent/signout")


async def test_an_agent_cannot_sign_in_to_a_queue_it_is_not_a_member_of(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    async with agent_console(service, "agent1") as console:
        response = await console.post("/api/agent/signin", {"queues": ["vip"]})
        assert response.status == 403
        assert (await response.json())["error_id"] == "forbidden"
        assert AGENT_PHONE not in await signed_in_members(ami, "vip")
