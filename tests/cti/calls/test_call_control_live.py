"""Agent call control on live sandbox calls, checked against what Asterisk reports."""

from __future__ import annotations

from cti.model import CallEnded, DomainEvent
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AmiMessage
from tests.support.control import (
    SECOND_AGENT_PHONE,
    add_user,
    answered_call,
    bridged_with,
    channels,
    dialled_to,
    events,
    wait_model,
)
from tests.support.telephony import Console, agent_console, hang_up_everything


def _caller_leg(ami: AmiClient, call_id: str) -> str:
    """The caller's channel in the queue bridge (``Local/s@test-caller-…;1``)."""
    joins = [e for e in events(ami, "QueueCallerJoin") if e["Linkedid"] == call_id]
    return joins[0]["Channel"]


async def test_hold_plays_music_to_the_caller_and_retrieve_bridges_them_again(
    service: CtiService, ami: AmiClient
) -> None:
    ended: list[CallEnded] = []

    def keep(event: DomainEvent) -> None:
        if isinstance(event, CallEnded):
            ended.append(event)

    service.bridge.listen(keep)
    async with answered_call(service, ami) as (console, call_id, connect):
        caller = _caller_leg(ami, call_id)
        agent_leg = connect["DestChannel"]
        assert await bridged_with(ami, caller) == {agent_leg}

        response = await console.post(f"/api/calls/{call_id}/hold")
        assert response.status == 200, await response.text()
        started = await ami.wait_for_event("MusicOnHoldStart", Channel=caller)
        assert await bridged_with(ami, caller) == set()
        await wait_model(service, lambda: service.model.call(call_id, 0).held)  # type: ignore[union-attr]
        assert (await console.post(f"/api/calls/{call_id}/hold")).status == 409

        response = await console.post(f"/api/calls/{call_id}/retrieve")
        assert response.status == 200, await response.text()
        stopped = await ami.wait_for_event("MusicOnHoldStop", Channel=caller)
        await wait_model(service, lambda: bool(service.model.bridge_peers(connect["DestUniqueid"])))
        assert await bridged_with(ami, caller) == {agent_leg}

        assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
        record = await service.call_log.wait_for(call_id)
    held = float(stopped["Timestamp"]) - float(started["Timestamp"])
    (end,) = [e for e in ended if e.call_id == call_id]
    assert abs(end.held_time - held) < 0.5
    assert record.hold_seconds == round(end.held_time)


async def test_click_to_dial_rings_the_agent_first_and_pops_the_callee(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
    async with agent_console(service, "agent1") as console:
        try:
            response = await console.post("/api/calls/dial", {"number": "6002"})
            assert response.status == 200, await response.text()
            call_id = (await response.json())["call_id"]
            pop, _ = await console.next_of("screen_pop")
            assert pop["call_id"] == call_id
            assert pop["direction"] == "outbound"
            assert pop["caller"] == "6002"

            agent_leg = (await ami.wait_for_event("Newchannel", Uniqueid=call_id))["Channel"]
            assert agent_leg.startswith("Local/6001@test-phones")
            dial = await ami.wait_for_event("DialEnd", Uniqueid=call_id, DialStatus="ANSWER")
            assert dial["DestChannel"].startswith("Local/6002@ctidesk-numbers")
            assert dial["CallerIDNum"] == "4008001234"
            await ami.wait_for_event("BridgeEnter", Uniqueid=call_id)
            assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
            record = await service.call_log.wait_for(call_id)
            assert record.direction.value == "outbound"
            assert record.called == "6002"
            assert record.agent_login == "agent1"
        finally:
            await hang_up_everything(ami)


async def test_blind_transfer_to_an_agent_pops_who_transferred_and_why(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE)
    async with answered_call(service, ami) as (console, call_id, connect):
        caller = _caller_leg(ami, call_id)
        async with agent_console(service, "agent2") as receiver:
            response = await console.post(
                f"/api/calls/{call_id}/transfer",
                {"target": "agent:agent2", "mode": "blind", "note": "wants a refund"},
            )
            assert response.status == 200, await response.text()
            pop, _ = await receiver.next_of("screen_pop")
            assert pop["call_id"] == call_id
            assert pop["transferred_by"] == "agent1"
            assert pop["note"] == "wants a refund"
            await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
            enter = await dialled_to(ami, caller, "Local/6002@test-phones")
            await wait_model(
                service, lambda: bool(service.model.bridge_peers(enter["DestUniqueid"]))
            )
            assert await bridged_with(ami, caller) == {enter["DestChannel"]}


async def test_transfer_to_a_queue_pops_the_agent_it_reaches_with_the_note(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE, ("pc-digital",))
    async with (
        answered_call(service, ami) as (console, call_id, connect),
        agent_console(service, "agent2") as receiver,
    ):
        assert (await receiver.post("/api/agent/signin")).status == 200
        try:
            response = await console.post(
                f"/api/calls/{call_id}/transfer",
                {"target": "queue:pc-digital", "mode": "blind", "note": "laptop repair"},
            )
            assert response.status == 200, await response.text()
            await ami.wait_for_event("QueueCallerJoin", Queue="pc-digital", Linkedid=call_id)
            reached = await ami.wait_for_event("AgentConnect", Queue="pc-digital")
            assert reached["Interface"] == SECOND_AGENT_PHONE
            pop, _ = await receiver.next_of("screen_pop")
            assert (pop["call_id"], pop["queue"]) == (call_id, "pc-digital")
            assert (pop["transferred_by"], pop["note"]) == ("agent1", "laptop repair")
            await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
            unknown = await console.post(
                f"/api/calls/{call_id}/transfer", {"target": "queue:nosuchqueue"}
            )
            assert unknown.status in (403, 404)
        finally:
            await receiver.post("/api/agent/signout")


async def _consulting(
    service: CtiService, ami: AmiClient, console: Console, call_id: str, connect: AmiMessage
) -> tuple[str, str, AmiMessage]:
    """Start an attended transfer to 6003: the caller held, the agent talking to 6003."""
    caller = _caller_leg(ami, call_id)
    agent_leg = connect["DestChannel"]
    response = await console.post(
        f"/api/calls/{call_id}/transfer", {"target": "number:6003", "mode": "attended"}
    )
    assert response.status == 200, await response.text()
    await ami.wait_for_event("MusicOnHoldStart", Channel=caller)
    consult = await dialled_to(ami, agent_leg, "Local/6003@ctidesk-numbers")
    await wait_model(service, lambda: consulting_in_model(service, connect, consult))
    assert await bridged_with(ami, agent_leg) == {consult["DestChannel"]}
    return caller, agent_leg, consult


def consulting_in_model(service: CtiService, connect: AmiMessage, consult: AmiMessage) -> bool:
    """The service's model has the agent's leg bridged with the consulted party (not, as a
    few events earlier, still with the caller)."""
    peers = service.model.bridge_peers(connect["DestUniqueid"])
    return any(peer.name == consult["DestChannel"] for peer in peers)


async def test_attended_transfer_to_an_agent_pops_at_the_consult_and_completes(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE)
    async with (
        answered_call(service, ami) as (console, call_id, connect),
        agent_console(service, "agent2") as receiver,
    ):
        caller, agent_leg = _caller_leg(ami, call_id), connect["DestChannel"]
        response = await console.post(
            f"/api/calls/{call_id}/transfer",
            {"target": "agent2", "mode": "attended", "note": "VIP complaint"},
        )
        assert response.status == 200, await response.text()
        assert (await response.json())["action"] == "consult"
        pop, _ = await receiver.next_of("screen_pop")
        assert (pop["transferred_by"], pop["note"]) == ("agent1", "VIP complaint")
        consult = await dialled_to(ami, agent_leg, "Local/6002@test-phones")
        await ami.wait_for_event("BridgeEnter", Channel=consult["DestChannel"])
        # The service's own AMI connection may be a few events behind this one.
        await wait_model(service, lambda: consulting_in_model(service, connect, consult))
        early = await console.post(f"/api/calls/{call_id}/retrieve")
        assert early.status == 409, "retrieve during a consult: complete or cancel first"

        response = await console.post(f"/api/calls/{call_id}/transfer/complete")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("Hangup", Channel=agent_leg)
        await ami.wait_for_event("MusicOnHoldStop", Channel=caller)
        assert await bridged_with(ami, caller) == {consult["DestChannel"]}
        record_call = service.model.call(call_id, 0)
        assert record_call is not None and record_call.transferred


async def test_attended_transfer_cancelled_returns_to_the_caller(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, connect):
        caller, agent_leg, consult = await _consulting(service, ami, console, call_id, connect)
        response = await console.post(f"/api/calls/{call_id}/transfer/cancel")
        assert response.status == 200, await response.text()
        await ami.wait_for_event("Hangup", Channel=consult["DestChannel"])
        await ami.wait_for_event("MusicOnHoldStop", Channel=caller)
        assert await bridged_with(ami, caller) == {agent_leg}


async def test_conference_puts_three_parties_in_one_room_and_survives_one_leaving(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, connect):
        caller = _caller_leg(ami, call_id)
        response = await console.post(f"/api/calls/{call_id}/conference", {"target": "6004"})
        assert response.status == 200, await response.text()
        room = (await response.json())["detail"]
        await ami.wait_for_event("ConfbridgeJoin", Conference=room, Channel=caller)
        await ami.wait_for_event("ConfbridgeJoin", Conference=room, Channel=connect["DestChannel"])
        await ami.wait_for(
            lambda: any(e["Channel"].startswith("Local/6004@ctidesk-outbound")
                        for e in events(ami, "ConfbridgeJoin", Conference=room))
        )  # fmt: skip

        assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
        await ami.wait_for_event("ConfbridgeLeave", Conference=room, Channel=connect["DestChannel"])
        await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
        members = await ami.list_action("ConfbridgeList", Conference=room)
        names = {m["Channel"] for m in members}
        assert caller in names
        assert any(name.startswith("Local/6004@ctidesk-outbound") for name in names)
        assert connect["DestChannel"] not in names


async def test_dtmf_reaches_the_other_party_digit_by_digit(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, _connect):
        caller = _caller_leg(ami, call_id)
        response = await console.post(f"/api/calls/{call_id}/dtmf", {"digits": "12#"})
        assert response.status == 200, await response.text()
        phone = caller.replace(";1", ";2")  # the caller's own end of the Local channel
        await ami.wait_for(
            lambda: len(events(ami, "DTMFEnd", Channel=phone, Direction="Received")) >= 3
        )
        heard = [e["Digit"] for e in events(ami, "DTMFEnd", Channel=phone, Direction="Received")]
        assert heard == ["1", "2", "#"]
        bad = await console.post(f"/api/calls/{call_id}/dtmf", {"digits": "1\r\nAction: Hangup"})
        assert bad.status == 400
        assert "digits" in await bad.text()


async def test_actions_on_an_ended_call_are_409_and_unknown_calls_404(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, _connect):
        assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
        await service.call_log.wait_for(call_id)
        for action in ("hold", "retrieve", "hangup", "transfer/complete"):
            response = await console.post(f"/api/calls/{call_id}/{action}")
            assert response.status == 409, (action, await response.text())
        response = await console.post(f"/api/calls/{call_id}/transfer", {"target": "6003"})
        assert response.status == 409
        assert (await console.post("/api/calls/no-such-call/hold")).status == 404
        assert not events(ami, "MusicOnHoldStart")


async def test_an_action_racing_the_hang_up_is_409_and_changes_nothing(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, connect):
        hung_up = await ami.action("Hangup", Channel=connect["Channel"])
        assert hung_up["Response"] == "Success"
        # The service may not have read the Hangup events yet: then Asterisk refuses
        # the Redirect for a channel that is gone. Either way the answer is 409.
        response = await console.post(f"/api/calls/{call_id}/hold")
        assert response.status == 409, await response.text()
        assert (await response.json())["error_id"] == "call-ended"
        await service.call_log.wait_for(call_id)
        assert not events(ami, "MusicOnHoldStart")


async def test_an_agent_not_on_the_call_gets_403_and_nothing_happens(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE)
    async with (
        answered_call(service, ami) as (_console, call_id, connect),
        agent_console(service, "agent2") as other,
    ):
        for action in ("hold", "hangup"):
            response = await other.post(f"/api/calls/{call_id}/{action}")
            assert response.status == 403, await response.text()
        live = {c["Channel"] for c in await channels(ami)}
        assert connect["DestChannel"] in live
        assert not events(ami, "MusicOnHoldStart")
