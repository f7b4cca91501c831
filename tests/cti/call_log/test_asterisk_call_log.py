"""The call log on the real sandbox: one record per call, written from the model's events.

The callers hang up by AMI ``Hangup`` on their channel: the sandbox's ``hangupN`` test
callers never match (``n`` in ``_hangupX.`` is a pattern character).
"""

from __future__ import annotations

from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.telephony import (
    MEDIA,
    MEMBER_PHONE,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
    seed_member,
)


async def test_a_completed_call_is_one_record_with_asterisks_talk_time(
    service: CtiService, ami: AmiClient
) -> None:
    await add_agent(service)
    member_number = await seed_member(service)
    async with agent_console(service, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {})).status == 200
            await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
            joined = await ami.wait_for_event("QueueCallerJoin")
            call_id = joined["Linkedid"]
            connect = await ami.wait_for_event("AgentConnect", Linkedid=call_id)
            await ami.wait_for_event("BridgeEnter", Channel=joined["Channel"])
            await ami.action("Hangup", Channel=connect["DestChannel"])
            complete = await ami.wait_for_event("AgentComplete", Queue="hotline")
            record = await service.call_log.wait_for(call_id, within=15)
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")

    assert record.queue == "hotline"
    assert record.agent_login == "agent1"
    assert record.member_number == member_number
    assert record.inbound_media == MEDIA
    assert record.answered_at is not None
    assert not record.abandoned
    assert abs(record.talk_seconds - int(complete["TalkTime"])) <= 1
    page = await service.crm.calls.search({"queue": "hotline"})
    assert [call.linked_id for call in page.calls] == [call_id]


async def test_a_caller_hanging_up_in_the_queue_is_an_abandoned_record(
    service: CtiService, ami: AmiClient
) -> None:
    try:
        await originate(ami, '"Stranger" <13900000002>')
        joined = await ami.wait_for_event("QueueCallerJoin")
        call_id = joined["Linkedid"]
        await ami.action("Hangup", Channel=joined["Channel"])
        abandon = await ami.wait_for_event("QueueCallerAbandon", Linkedid=call_id)
        record = await service.call_log.wait_for(call_id, within=15)
    finally:
        await hang_up_everything(ami)

    assert record.abandoned
    assert record.queue == "hotline"
    assert record.agent_login is None
    assert record.answered_at is None
    assert abs(record.wait_seconds - int(abandon["HoldTime"])) <= 1
