"""The service reads the queue_log the sandbox's real Asterisk writes: a queue call
answered and ended becomes one answered stint with Asterisk's own wait and talk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.kpi import Outcome, QueueLogLine, StintBook
from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.control import agent_complete, answered_call
from tests.support.telephony import settings_for


@pytest.fixture
async def reading(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The service reading the sandbox's queue_log."""
    queue_log = asterisk.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"
    base = settings_for(asterisk, sqlite_url)
    stats = StatsSettings(queue_log=str(queue_log), server="sandbox", poll_seconds=0.2)
    service = CtiService(base.model_copy(update={"stats": stats}))
    await service.start(online_within=15)
    try:
        yield service
    finally:
        await service.stop()


async def stints_of(service: CtiService, call: str) -> StintBook:
    rows = await service.crm.queue_log.lines(since=0, until=10**10, server="sandbox")
    lines = [
        QueueLogLine(r.time, r.call_id, r.queue, r.agent, r.event, tuple(r.data.split("|")))
        for r in rows
        if r.call_id == call
    ]
    return StintBook().feed_all(lines)


async def test_an_answered_queue_call_is_read_from_asterisks_own_queue_log(
    reading: CtiService, ami: AmiClient
) -> None:
    async with answered_call(reading, ami) as (_console, _call_id, connect):
        caller = connect["Uniqueid"]  # queue_log names the call by the caller's channel
        await ami.action("Hangup", Channel=connect["Channel"])
        complete = await agent_complete(ami, connect)

    async def completed() -> StintBook:
        while True:  # the file is read every 0.2 s; wait for the line, not for a time
            book = await stints_of(reading, caller)
            if any(s.completed_by for s in book.stints):
                return book
            await asyncio.sleep(0.1)

    async with asyncio.timeout(10):
        book = await completed()
    (stint,) = book.stints
    assert (stint.queue, stint.outcome, stint.inferred) == ("hotline", Outcome.ANSWERED, False)
    assert stint.agent == "Agent1"  # log_membername_as_agent: the member's name
    assert (stint.wait, stint.talk) == (int(complete["HoldTime"]), int(complete["TalkTime"]))
    assert stint.completed_by == "COMPLETECALLER"  # the caller hung up
