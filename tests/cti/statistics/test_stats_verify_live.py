"""`ctidesk stats verify` on the sandbox: Asterisk's own QueueParams counters and the same
counters recomputed from the queue_log it wrote agree, after an answered call and an
abandoned one (Asterisk's definitions: ServicelevelPerf and ServicelevelPerf2 too)."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from cti.cli import app
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.control import agent_complete, answered_call
from tests.support.telephony import hang_up_everything, originate


def invoke(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False,
                                env={"COLUMNS": "200", **env})  # fmt: skip
    return result.exit_code, result.output


async def test_the_counters_recomputed_from_the_queue_log_equal_asterisks(
    asterisk: AsteriskServer, service: CtiService, ami: AmiClient, sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    async with answered_call(service, ami) as (_console, _call, connect):
        await ami.action("Hangup", Channel=connect["Channel"])
        await agent_complete(ami, connect)
    await originate(ami, '"Impatient" <13900000077>')  # nobody signed in now: it waits
    joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000077")
    await ami.action("Hangup", Channel=joined["Channel"])
    await ami.wait_for_event("QueueCallerAbandon", Uniqueid=joined["Uniqueid"])
    await hang_up_everything(ami)

    queue_log = asterisk.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"
    env = {
        "CTIDESK_DATABASE_URL": sqlite_url,
        "CTIDESK_AMI_HOST": asterisk.ami_host,
        "CTIDESK_AMI_PORT": str(asterisk.ami_port),
        "CTIDESK_AMI_USERNAME": asterisk.ami_username,
        "CTIDESK_AMI_SECRET": asterisk.ami_secret,
    }
    code, out = await asyncio.to_thread(
        invoke, "stats", "verify", "--file", str(queue_log), "--queue", "hotline", env=env
    )
    assert code == 0, out
    rows = {
        cells[1]: cells[2:]
        for line in out.splitlines()
        if len(cells := [c.strip() for c in line.split("│") if c.strip()]) == 5
    }
    assert set(rows) >= {"Completed", "Abandoned", "ServicelevelPerf", "ServicelevelPerf2"}
    assert all(difference == "0" for *_values, difference in rows.values()), out
    assert float(rows["Completed"][0]) >= 1 and float(rows["Abandoned"][0]) >= 1, out
    assert "no difference" in out
