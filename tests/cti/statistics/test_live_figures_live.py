"""On the real sandbox: an answered, an abandoned and a timed-out call make the live
figures today (what queue_update and GET /api/queues carry) equal to the figures
recomputed with cti.kpi from the queue_log file Asterisk wrote, and a time-out counts as
timed out, not abandoned (AMI's QueueCallerAbandon is sent for both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection
from pathlib import Path

import pytest

from cti.kpi import QueueFigures, QueueRules, StintBook, parse_line, tally
from cti.protocol import QueueUpdate
from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.control import agent_complete, answered_call
from tests.support.fake_ami import eventually
from tests.support.telephony import settings_for

QUEUE = "hotline"


def queue_log(asterisk: AsteriskServer) -> Path:
    return asterisk.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"


@pytest.fixture
async def reading(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The service reading the sandbox's queue_log into its live figures."""
    base = settings_for(asterisk, sqlite_url)
    stats = StatsSettings(queue_log=str(queue_log(asterisk)), server="sandbox", poll_seconds=0.2)
    service = CtiService(base.model_copy(update={"stats": stats}))
    await service.start(online_within=15)
    try:
        yield service
    finally:
        await service.stop()


def live(service: CtiService) -> QueueUpdate:
    (update,) = service.live_state.queues([QUEUE])
    return update


async def until_live(service: CtiService, reached: Callable[[QueueUpdate], bool]) -> QueueUpdate:
    """The live figures once ``reached`` holds, re-checked whenever a read changes them."""
    changed = asyncio.Event()

    def told(_queues: Collection[str]) -> None:
        changed.set()

    service.statistics.today.on_change(told)
    async with asyncio.timeout(20):
        while not reached(update := live(service)):
            changed.clear()
            await changed.wait()
    return update


def recomputed(asterisk: AsteriskServer, service: CtiService) -> QueueFigures:
    """Today's figures of the queue from Asterisk's own file, counted with cti.kpi."""
    texts = queue_log(asterisk).read_text(encoding="utf-8").splitlines()
    book = StintBook().feed_all(parse_line(text) for text in texts if text)
    today = service.statistics.today
    stints = [s for s in book.stints if s.queue == QUEUE and s.entered_at >= today.day_start]
    blocked = [b for b in book.blocked if b.queue == QUEUE and b.at >= today.day_start]
    level = live(service).service_level_seconds
    return tally(QUEUE, today.figures(QUEUE).start, stints, blocked, QueueRules(level))


async def queue_caller(ami: AmiClient, caller_exten: str, queue_seconds: int, number: str) -> str:
    """A caller from ``number`` put into the queue by Queue() with ``queue_seconds`` to wait;
    its channel id."""
    response = await ami.action(
        "Originate", Channel=f"Local/{caller_exten}@test-caller", Application="Queue",
        Data=f"{QUEUE},,,,{queue_seconds}", CallerID=f'"Live" <{number}>', Async="true",
    )  # fmt: skip
    assert response["Response"] == "Success", response
    joined = await ami.wait_for_event("QueueCallerJoin", Queue=QUEUE, CallerIDNum=number)
    return joined["Uniqueid"]


async def test_live_figures_equal_the_figures_of_asterisks_own_queue_log(
    reading: CtiService, asterisk: AsteriskServer, ami: AmiClient
) -> None:
    tailer = reading.statistics.tailer
    assert tailer is not None
    await eventually(lambda: tailer.steps > 0, within=10)  # the file as it was: read
    before = live(reading)
    async with answered_call(reading, ami) as (_console, _call_id, connect):
        await ami.action("Hangup", Channel=connect["Channel"])
        await agent_complete(ami, connect)
    after_answer = await until_live(reading, lambda u: u.answered > before.answered)

    abandoned = await queue_caller(ami, "hangup2", 60, "13900000071")  # the caller hangs up at 2 s
    await ami.wait_for_event("QueueCallerAbandon", Uniqueid=abandoned)
    timed_out = await queue_caller(ami, "s", 2, "13900000072")  # nobody to answer: out at 2 s
    await ami.wait_for_event("QueueCallerAbandon", Uniqueid=timed_out)  # AMI says "abandon"

    update = await until_live(
        reading,
        lambda u: u.abandoned > after_answer.abandoned and u.timed_out > after_answer.timed_out,
    )
    assert (update.abandoned, update.timed_out) == (before.abandoned + 1, before.timed_out + 1)
    assert update.offered == before.offered + 3
    file = recomputed(asterisk, reading)
    assert (update.offered, update.answered, update.abandoned, update.timed_out) == (
        file.offered, file.answered, file.abandoned, file.timed_out,
    )  # fmt: skip
    others = file.key_exits + file.exit_empty + file.withdrawn + file.failed
    assert (update.other_exits, update.sl_pct, update.asa_seconds, update.max_wait_seconds) == (
        others, file.sl_pct, file.asa_s, file.max_wait_s,
    )  # fmt: skip
