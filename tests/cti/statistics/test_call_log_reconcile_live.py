"""On the real sandbox: calls that Asterisk handled while the service was stopped get
their call records at its next start, from the queue_log Asterisk wrote meanwhile, marked
reconciled; a further restart adds none."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.control import agent_complete
from tests.support.telephony import AGENT_PHONE, hang_up_everything, originate, settings_for


@contextlib.asynccontextmanager
async def reading(asterisk: AsteriskServer, database_url: str) -> AsyncIterator[CtiService]:
    """The service reading the sandbox's queue_log, its start's reconciling done."""
    queue_log = asterisk.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"
    stats = StatsSettings(queue_log=str(queue_log), server="sandbox", poll_seconds=0.2)
    base = settings_for(asterisk, database_url)
    service = CtiService(base.model_copy(update={"stats": stats}))
    await service.start(online_within=15)
    try:
        assert service.statistics.reconciler is not None and service.statistics.tailer
        await service.statistics.tailer.caught_up.wait()
        await service.statistics.reconciler.done.wait()
        yield service
    finally:
        await service.stop()


async def answered_and_ended(ami: AmiClient) -> AmiMessage:
    """A hotline call answered by phone 6001 (a member added over AMI, no service) and
    ended by the caller: its ``AgentConnect``, once Asterisk logged its completion."""
    added = await ami.action("QueueAdd", Queue="hotline", Interface=AGENT_PHONE,
                             MemberName="Agent1")  # fmt: skip
    assert added["Response"] == "Success", added
    try:
        await originate(ami, '"Reconciled" <13900000051>')
        connect = await ami.wait_for_event("AgentConnect")
        await ami.action("Hangup", Channel=connect["Channel"])
        await agent_complete(ami, connect)
    finally:
        await ami.action("QueueRemove", Queue="hotline", Interface=AGENT_PHONE)
    return connect


async def abandoned(ami: AmiClient) -> AmiMessage:
    """A hotline call nobody answers, hung up by its caller: its ``QueueCallerJoin``."""
    await originate(ami, '"Impatient" <13900000052>')
    joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000052")
    await ami.action("Hangup", Channel=joined["Channel"])
    await ami.wait_for_event("QueueCallerAbandon", Uniqueid=joined["Uniqueid"])
    return joined


async def test_calls_handled_while_the_service_was_stopped_are_recorded_once(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    async with reading(asterisk, sqlite_url):
        pass  # it has read the file once: the next start knows where it stopped
    try:
        connect = await answered_and_ended(ami)
        joined = await abandoned(ami)
    finally:
        await hang_up_everything(ami)
    answered_id, abandoned_id = connect["Uniqueid"], joined["Uniqueid"]

    async with reading(asterisk, sqlite_url) as second:
        assert second.statistics.reconciler is not None
        assert second.statistics.reconciler.reconciled == 2
        answered = await second.crm.calls.get(answered_id)
        gone = await second.crm.calls.get(abandoned_id)
        count = len((await second.crm.calls.search({})).calls)
    assert answered.reconciled and gone.reconciled
    assert (answered.caller, answered.queue) == ("13900000051", "hotline")
    assert answered.answered_at is not None and not answered.abandoned
    assert (gone.caller, gone.queue, gone.abandoned) == ("13900000052", "hotline", True)
    assert count == 2

    async with reading(asterisk, sqlite_url) as third:
        assert third.statistics.reconciler is not None
        assert third.statistics.reconciler.reconciled == 0
        assert await third.crm.calls.get(answered_id) == answered
        assert len((await third.crm.calls.search({})).calls) == 2
