"""Supervisor functions on live sandbox calls: spy, release, intercept, force sign-out and
pause, broadcast notices, and the audit trail of each."""

from __future__ import annotations

from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.control import (
    SUPERVISOR_PHONE,
    TALKING_AGENT_PHONE,
    add_user,
    answered_call,
    bridged_with,
    dialled_to,
    events,
    wait_model,
)
from tests.support.telephony import (
    agent_console,
    hang_up_everything,
    originate,
    signed_in_members,
)

NEVER_ANSWERS = "Local/8001@test-phones/n"


async def _audit(service: CtiService, call_id: str | None = None) -> list[tuple[str, str, str]]:
    entries = await service.crm.supervisor_audit.entries(call_id=call_id)
    return [(e.supervisor, e.action, e.outcome) for e in reversed(entries)]


async def test_listen_whisper_barge_rings_the_supervisor_and_chanspy_reports_it(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        answered_call(service, ami, phone=TALKING_AGENT_PHONE) as (_console, call_id, connect),
        agent_console(service, "boss") as boss,
    ):
        response = await boss.post(f"/api/supervisor/calls/{call_id}/spy", {"mode": "listen"})
        assert response.status == 200, await response.text()
        start = await ami.wait_for_event("ChanSpyStart", SpyeeChannel=connect["DestChannel"])
        assert start["SpyerChannel"].startswith("Local/5009@test-phones")

        response = await boss.post(f"/api/supervisor/calls/{call_id}/spy", {"mode": "whisper"})
        assert response.status == 200, await response.text()
        switched = await ami.wait_for_event(
            "DTMFEnd", Channel=start["SpyerChannel"], Direction="Received"
        )
        assert switched["Digit"] == "5"
        assert not events(ami, "ChanSpyStop"), "switching mode keeps the session"

        response = await boss.post(f"/api/supervisor/calls/{call_id}/spy/stop")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("ChanSpyStop", SpyerChannel=start["SpyerChannel"])
        assert connect["DestChannel"] in {
            c["Channel"] for c in await ami.list_action("CoreShowChannels")
        }
        audit = await _audit(service, call_id)
    assert audit == [
        ("boss", "spy-listen", "done"),
        ("boss", "spy-whisper", "done"),
        ("boss", "spy-stop", "done"),
    ]
    (entry,) = await service.crm.supervisor_audit.entries(supervisor="boss", limit=1)
    assert entry.call_id == call_id and entry.at is not None


async def test_barge_starts_chanspy_in_barge_mode(service: CtiService, ami: AmiClient) -> None:
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        answered_call(service, ami, phone=TALKING_AGENT_PHONE) as (_console, call_id, connect),
        agent_console(service, "boss") as boss,
    ):
        response = await boss.post(f"/api/supervisor/calls/{call_id}/spy", {"mode": "barge"})
        assert response.status == 200, await response.text()
        start = await ami.wait_for_event("ChanSpyStart", SpyeeChannel=connect["DestChannel"])
        spy = await ami.wait_for_event(
            "Newexten", Channel=start["SpyerChannel"], Application="ChanSpy"
        )
        assert spy["AppData"] == f"{connect['DestChannel']},dEqB"
        response = await boss.post(f"/api/supervisor/calls/{call_id}/spy/stop")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("ChanSpyStop")


async def test_an_agent_may_not_spy_403_and_no_chanspy_starts(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, _connect):
        for path, body in (
            (f"/api/supervisor/calls/{call_id}/spy", {"mode": "listen"}),
            (f"/api/supervisor/calls/{call_id}/release", None),
            (f"/api/supervisor/calls/{call_id}/intercept", None),
            ("/api/supervisor/agents/agent1/signout", None),
            ("/api/supervisor/notice", {"text": "hello"}),
        ):
            response = await console.post(path, body)
            assert response.status == 403, (path, await response.text())
        assert not events(ami, "ChanSpyStart")
        assert await _audit(service) == []


async def test_force_release_hangs_up_every_leg(service: CtiService, ami: AmiClient) -> None:
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        answered_call(service, ami) as (_console, call_id, connect),
        agent_console(service, "boss") as boss,
    ):
        response = await boss.post(f"/api/supervisor/calls/{call_id}/release")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
        await ami.wait_for_event("Hangup", Channel=connect["Channel"])
        record = await service.call_log.wait_for(call_id)
        assert record.ended_at is not None
        again = await boss.post(f"/api/supervisor/calls/{call_id}/release")
        assert again.status == 409
    assert await _audit(service, call_id) == [
        ("boss", "release", "done"),
        ("boss", "release", "refused"),
    ]


async def test_force_release_of_a_conference_ends_the_third_party_and_the_room(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        answered_call(service, ami) as (console, call_id, connect),
        agent_console(service, "boss") as boss,
    ):
        response = await console.post(f"/api/calls/{call_id}/conference", {"target": "6004"})
        assert response.status == 200, await response.text()
        room = (await response.json())["detail"]
        await ami.wait_for(lambda: len(events(ami, "ConfbridgeJoin", Conference=room)) == 3)
        third = next(
            e["Channel"]
            for e in events(ami, "ConfbridgeJoin", Conference=room)
            if e["Channel"].startswith("Local/6004@ctidesk-outbound")
        )
        await wait_model(service, lambda: _in_room(service, call_id, room))

        response = await boss.post(f"/api/supervisor/calls/{call_id}/release")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
        await ami.wait_for_event("Hangup", Channel=third)  # not left alone in the room
        await ami.wait_for_event("ConfbridgeEnd", Conference=room)
        left = {c["Channel"] for c in await ami.list_action("CoreShowChannels")}
        assert not {connect["Channel"], connect["DestChannel"], third} & left
    assert await _audit(service, call_id) == [("boss", "release", "done")]


def _in_room(service: CtiService, call_id: str, room: str) -> bool:
    call = service.model.call(call_id, 0)
    return call is not None and call.conference == room


async def test_intercept_takes_a_ringing_call_to_the_supervisor(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "slow", "agent", NEVER_ANSWERS, ("hotline",))
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with agent_console(service, "slow") as agent, agent_console(service, "boss") as boss:
        try:
            assert (await agent.post("/api/agent/signin")).status == 200
            await originate(ami, '"Caller" <13900000003>')
            called = await ami.wait_for_event("AgentCalled")
            call_id = called["Linkedid"]
            await wait_model(service, lambda: service.model.waiting_leg(call_id) is not None)
            response = await boss.post(f"/api/supervisor/calls/{call_id}/intercept")
            assert response.status == 200, await response.text()
            await ami.wait_for_event("QueueCallerLeave", Linkedid=call_id)
            taken = await dialled_to(ami, called["Channel"], "Local/5009@test-phones")
            await ami.wait_for_event("BridgeEnter", Channel=taken["DestChannel"])
            assert await bridged_with(ami, called["Channel"]) == {taken["DestChannel"]}
        finally:
            await hang_up_everything(ami)
            await agent.post("/api/agent/signout")
    assert ("boss", "intercept", "done") in await _audit(service)


async def test_intercept_takes_a_talking_call_from_the_agent(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        answered_call(service, ami) as (_console, call_id, connect),
        agent_console(service, "boss") as boss,
    ):
        response = await boss.post(f"/api/supervisor/calls/{call_id}/intercept")
        assert response.status == 200, await response.text()
        caller = connect["Channel"]
        await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
        taken = await dialled_to(ami, caller, "Local/5009@test-phones")
        await ami.wait_for_event("BridgeEnter", Channel=taken["DestChannel"])
        assert await bridged_with(ami, caller) == {taken["DestChannel"]}
    assert ("boss", "intercept", "done") in await _audit(service, call_id)


async def test_force_sign_out_and_pause_of_an_agent(service: CtiService, ami: AmiClient) -> None:
    await add_user(service, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with agent_console(service, "agent1") as agent, agent_console(service, "boss") as boss:
        assert (await agent.post("/api/agent/signin")).status == 200
        response = await boss.post("/api/supervisor/agents/agent1/pause", {"reason": "coaching"})
        assert response.status == 200, await response.text()
        paused = await ami.wait_for_event("QueueMemberPause", Interface="Local/6001@test-phones/n")
        assert paused["Paused"] == "1" and paused["PausedReason"] == "coaching"

        response = await boss.post("/api/supervisor/agents/agent1/signout")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("QueueMemberRemoved", Interface="Local/6001@test-phones/n")
        assert "Local/6001@test-phones/n" not in await signed_in_members(ami, "hotline")
        missing = await boss.post("/api/supervisor/agents/nobody/signout")
        assert missing.status == 404
    assert await _audit(service) == [
        ("boss", "pause", "done"),
        ("boss", "signout", "done"),
        ("boss", "signout", "refused"),
    ]


async def test_a_notice_reaches_every_console_or_one_queue(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
    await add_user(service, "agent2", "agent", "Local/6002@test-phones/n", ("vip",))
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with (
        agent_console(service, "agent1") as one,
        agent_console(service, "agent2") as two,
        agent_console(service, "boss") as boss,
    ):
        response = await boss.post("/api/supervisor/notice", {"text": "黄金周促销：GPS 七折"})
        assert response.status == 200, await response.text()
        assert (await response.json())["delivered"] == 3
        for console in (one, two):
            notice, _ = await console.next_of("notice")
            assert notice["text"] == "黄金周促销：GPS 七折"

        response = await boss.post("/api/supervisor/notice", {"text": "VIP only", "queue": "vip"})
        assert (await response.json())["delivered"] == 1
        notice, _ = await two.next_of("notice")
        assert notice["text"] == "VIP only"
        bad = await boss.post("/api/supervisor/notice", {"text": "a\r\nb"})
        assert bad.status == 400
    assert [a for _s, a, _o in await _audit(service)] == ["notice", "notice"]


async def test_a_supervisor_calls_a_caller_back_from_an_agents_phone(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
    await add_user(service, "boss", "supervisor", SUPERVISOR_PHONE)
    async with agent_console(service, "agent1") as agent, agent_console(service, "boss") as boss:
        try:
            refused = await agent.post("/api/supervisor/agents/agent1/dial", {"number": "6002"})
            assert refused.status == 403
            bad = await boss.post("/api/supervisor/agents/agent1/dial", {"number": "60\r\n02"})
            assert bad.status == 400
            response = await boss.post("/api/supervisor/agents/agent1/dial", {"number": "6002"})
            assert response.status == 200, await response.text()
            call_id = (await response.json())["call_id"]
            pop, _ = await agent.next_of("screen_pop")
            assert pop["call_id"] == call_id
            assert (pop["direction"], pop["caller"]) == ("outbound", "6002")
            agent_leg = (await ami.wait_for_event("Newchannel", Uniqueid=call_id))["Channel"]
            assert agent_leg.startswith("Local/6001@test-phones")
            await ami.wait_for_event("DialEnd", Uniqueid=call_id, DialStatus="ANSWER")
        finally:
            await hang_up_everything(ami)
    assert await _audit(service) == [("boss", "callback", "done")]
