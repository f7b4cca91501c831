"""Killing ``ctidesk serve`` mid-campaign: another service on the same database takes the
campaign over, dials nothing twice and loses no attempt.

The first dialer is the real command in its own process, killed with SIGKILL while a
callee talks to the agent; the second is a service in this process. What was dialled is
read from Asterisk's own AMI stream.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from crm_core.wiring import build_crm
from cti.bus import dialplan
from cti.dialer.tracker import Ended, Outcome
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import AGENT_PHONE, PASSWORD, hang_up_everything, running_service

CTIDESK = str(Path(sys.executable).with_name("ctidesk"))
LEASE_SECONDS = "3"
ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PERSON = f"+861380000050{dialplan.CALLEE_PERSON}"
LATER = f"+861380000051{dialplan.CALLEE_BUSY}"


async def test_killing_serve_mid_campaign_loses_and_repeats_no_attempt(
    asterisk: AsteriskServer, ami: AmiClient, sqlite_url: str
) -> None:
    crm = build_crm(database_url=sqlite_url)
    try:
        await crm.users.add(
            {"login": "agent1", "display_name": "Agent One", "role": "agent",
             "interface": AGENT_PHONE, "queues": [{"queue": "hotline"}]},
            password=PASSWORD,
        )  # fmt: skip
        campaign = await crm.campaigns.create(
            {"name": "takeover", "mode": "progressive", "queue": "hotline", "time_zone": "UTC",
             "windows": ALL_WEEK},
            by="boss",
        )  # fmt: skip
        await crm.campaigns.import_csv(
            campaign.id, f"phone\n{PERSON}\n{LATER}\n".encode(), default_region="CN"
        )
        await crm.campaigns.set_status(campaign.id, "start", by="boss")
    finally:
        await crm.close()
    joined = await ami.action(
        "QueueAdd", Queue="hotline", Interface=AGENT_PHONE, MemberName="Agent One"
    )
    assert joined["Response"] == "Success", joined
    try:
        await _kill_mid_call_and_take_over(asterisk, ami, sqlite_url, campaign.id)
    finally:
        await ami.action("QueueRemove", Queue="hotline", Interface=AGENT_PHONE)
        await hang_up_everything(ami)


async def _kill_mid_call_and_take_over(
    asterisk: AsteriskServer, ami: AmiClient, sqlite_url: str, campaign_id: int
) -> None:
    env_process = _start_serve(asterisk, sqlite_url)
    try:
        # The first service dials the person, who is connected to agent1 and talks.
        await ami.wait_for(lambda: bool(_callees_bridged(ami)), seconds=60)
        (talking,) = _callees_bridged(ami)
        env_process.send_signal(signal.SIGKILL)
        env_process.wait(timeout=30)
    finally:
        if env_process.poll() is None:
            env_process.kill()
            env_process.wait(timeout=30)

    async with running_service(asterisk, sqlite_url) as second:
        second.dialer.settings = second.dialer.settings.model_copy(
            update={"lease_seconds": float(LEASE_SECONDS)}
        )
        ended: list[Outcome] = []
        changed = asyncio.Event()

        def heard(_campaign_id: int, outcome: Outcome) -> None:
            ended.append(outcome)
            changed.set()

        second.dialer.on_outcome(heard)
        await second.dialer.scan()
        runner = second.dialer.runners[campaign_id]
        async with asyncio.timeout(30):
            while talking not in runner.tracker:  # once the killed holder's lease lapses
                runner.planned.clear()
                runner.wake()
                await runner.planned.wait()
        for channel in await ami.list_action("CoreShowChannels"):
            if channel["Uniqueid"] == talking:
                await ami.action("Hangup", Channel=channel["Channel"])
        async with asyncio.timeout(60):
            while len([o for o in ended if isinstance(o, Ended)]) < 2:
                changed.clear()
                await changed.wait()
        attempts = await second.crm.campaigns.attempts(campaign_id)

    assert sorted(a.phone for a in attempts) == sorted([PERSON, LATER])  # each lead once
    ids = {attempt.id for attempt in attempts}
    created = [e["Uniqueid"] for e in ami.events if e.event == "Newchannel"]
    assert sorted(u for u in created if u in ids) == sorted(ids)  # each dialled exactly once
    person = next(a for a in attempts if a.phone == PERSON)
    later = next(a for a in attempts if a.phone == LATER)
    assert person.id == talking
    assert (person.result, person.agent_login) == ("answered", "agent1")
    assert later.epoch == person.epoch + 1  # dialled by the service that took over
    assert later.result == "busy"


def _start_serve(asterisk: AsteriskServer, sqlite_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CTIDESK_DATABASE_URL": sqlite_url,
        "CTIDESK_AMI_HOST": asterisk.ami_host,
        "CTIDESK_AMI_PORT": str(asterisk.ami_port),
        "CTIDESK_AMI_USERNAME": asterisk.ami_username,
        "CTIDESK_AMI_SECRET": asterisk.ami_secret,
        "CTIDESK_API_PORT": "0",
        "CTIDESK_AGI_PORT": "0",
        "CTIDESK_AGI_SECRET": asterisk.agi_secret,
        "CTIDESK_DIALER_LEASE_SECONDS": LEASE_SECONDS,
    }
    return subprocess.Popen(
        [CTIDESK, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _callees_bridged(ami: AmiClient) -> list[str]:
    """Callee channels (the dialer's side of the loopback carrier) that entered a bridge."""
    carrier = f"PJSIP/{dialplan.LOOPBACK_CARRIER}-"
    return [
        e["Uniqueid"]
        for e in ami.events
        if e.event == "BridgeEnter" and e["Channel"].startswith(carrier)
    ]
