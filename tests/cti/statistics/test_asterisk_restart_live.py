"""On the real sandbox: Asterisk restarted mid-shift while the service reads its
queue_log. The reading goes on in the same file (Asterisk writes ``QUEUESTART`` when it
opens it again); the calls before and after the restart are each one stint, none lost,
none counted twice, and today's live figures equal the report of the stored lines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm_core.queue_log.models import QueueStint
from cti.kpi import Interval, QueueRules
from cti.service import CtiService
from cti.statistics.reports import Window, queue_report, queue_report_from_lines
from tests.support.asterisk import AmiClient, AsteriskServer, observer_session
from tests.support.fake_ami import eventually
from tests.support.stats import abandoned, answered_and_ended
from tests.support.stats import reading as reading_sandbox
from tests.support.telephony import hang_up_everything

SERVER = "sandbox"


@pytest.fixture
async def reading(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The service reading the sandbox's queue_log (caught up with it)."""
    async with reading_sandbox(asterisk, sqlite_url) as service:
        yield service


async def connected(asterisk: AsteriskServer) -> AmiClient:
    """A new AMI connection on the tests' account (the old one ends with Asterisk)."""
    return await observer_session(asterisk)


async def read_line(service: CtiService, call_id: str, event: str) -> None:
    """Wait until the service has stored the ``event`` line of ``call_id`` (each check
    after one more read of the file)."""
    tailer = service.statistics.tailer
    assert tailer is not None
    async with asyncio.timeout(15):
        while True:
            rows = await service.crm.queue_log.lines(since=0, until=10**10, server=SERVER)
            if any(r.call_id == call_id and r.event == event for r in rows):
                return
            steps = tailer.steps
            await eventually(lambda steps=steps: tailer.steps > steps, within=10)


async def calls(asterisk: AsteriskServer, service: CtiService) -> tuple[str, str]:
    """An answered call and an abandoned one, both read by the service: their call ids."""
    ami = await connected(asterisk)
    try:
        connect = await answered_and_ended(ami)
        joined = await abandoned(ami)
    finally:
        await hang_up_everything(ami)
        await ami.close()
    await read_line(service, connect["Uniqueid"], "COMPLETECALLER")
    await read_line(service, joined["Uniqueid"], "ABANDON")
    return connect["Uniqueid"], joined["Uniqueid"]


async def test_an_asterisk_restart_mid_shift_loses_no_stint_and_counts_none_twice(
    asterisk: AsteriskServer, reading: CtiService
) -> None:
    before = await calls(asterisk, reading)
    restarted_at = int(time.time())
    await asyncio.to_thread(asterisk.restart)
    after = await calls(asterisk, reading)
    await reading.client.wait_online(within=30)  # the service is back on AMI too

    rows = await reading.crm.queue_log.lines(since=restarted_at, until=10**10, server=SERVER)
    assert any(r.event == "QUEUESTART" for r in rows)  # written by the restarted Asterisk
    ours = (*before, *after)
    async with reading.crm.db.read() as session:
        stints = (await session.scalars(select(QueueStint).where(
            QueueStint.server == SERVER, QueueStint.call_id.in_(ours)))).all()  # fmt: skip
    assert sorted((s.call_id, s.outcome) for s in stints) == sorted(
        [(before[0], "answered"), (before[1], "abandoned"),
         (after[0], "answered"), (after[1], "abandoned")]
    )  # fmt: skip

    zone = ZoneInfo(reading.settings.ivr.timezone)
    today = reading.statistics.today
    day = datetime.fromtimestamp(today.day_start, zone).date()
    window, rules = Window(day, day, zone), (lambda _queue: QueueRules())
    stored = await queue_report(reading.crm, window, Interval.DAY, rules, queue="hotline")
    again = await queue_report_from_lines(reading.crm, window, Interval.DAY, rules, "hotline")
    live = today.figures("hotline")
    counts = [(r.offered, r.answered, r.abandoned, r.timed_out) for r in stored.rows]
    assert counts == [(r.offered, r.answered, r.abandoned, r.timed_out) for r in again.rows]
    assert counts == [(live.offered, live.answered, live.abandoned, live.timed_out)]
