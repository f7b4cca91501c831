"""On the real sandbox: calls that Asterisk handled while the service was stopped get
their call records at its next start, from the queue_log Asterisk wrote meanwhile, marked
reconciled; a further restart adds none."""

from __future__ import annotations

from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.stats import abandoned, answered_and_ended, reading
from tests.support.telephony import hang_up_everything


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
