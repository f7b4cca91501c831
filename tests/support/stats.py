"""Statistics test helpers: the morning the examples happen, docs/statistics.md's
worked example as queue_log lines, and the service reading the sandbox's queue_log with
calls made on Asterisk alone (no service needed)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.control import agent_complete
from tests.support.paths import ROOT
from tests.support.telephony import AGENT_PHONE, originate, settings_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = int(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI).timestamp())
"""09:00 in Shanghai on the examples' day."""


def docs_example() -> list[str]:
    """The queue_log lines of docs/statistics.md's worked example."""
    text = (ROOT / "docs" / "statistics.md").read_text(encoding="utf-8")
    block = text.split("## A worked example", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


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
