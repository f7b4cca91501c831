"""An edge paused during calls (issue 18, scenario 5): ``ctidesk serve`` as the edge of
``pbx2`` in its own process, SIGSTOPped while calls come and go and Asterisk writes more
than the paused session can take; Asterisk drops the session (its ``writetimeout``), and
after SIGCONT the edge reconnects, resyncs, and its live calls converge to what Asterisk's
``CoreShowChannels`` lists."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from crm_core.wiring import build_crm
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.nats import NatsServer, free_port
from tests.support.nodes import NodeProcess, until
from tests.support.telephony import PASSWORD, hang_up_everything, originate

FLOOD_BATCH = 200
FLOOD_MAX = 60_000  # UserEvents of ~1 KB: far more than loopback's socket buffers hold
PADDING = "x" * 900


def edge_process(asterisk: AsteriskServer, database_url: str, nats: NatsServer, port: int,
                 log_dir: Path) -> NodeProcess:  # fmt: skip
    """The edge of ``asterisk`` (and a gateway), its API on ``port``."""
    env = {
        "CTIDESK_DATABASE_URL": database_url, "CTIDESK_NATS_URL": nats.url,
        "CTIDESK_AMI_HOST": asterisk.ami_host, "CTIDESK_AMI_PORT": str(asterisk.ami_port),
        "CTIDESK_AMI_USERNAME": asterisk.ami_username, "CTIDESK_AMI_SECRET": asterisk.ami_secret,
        "CTIDESK_AGI_SECRET": asterisk.agi_secret, "CTIDESK_API_PORT": str(port),
        "CTIDESK_NODE_LEASE_SECONDS": "30",
    }  # fmt: skip
    return NodeProcess(name="node-b", roles="edge,gateway", log_dir=log_dir, env=env)


def service_sessions(asterisk: AsteriskServer) -> int:
    """How many AMI sessions the service's account has open on Asterisk now."""
    listing = asterisk.cli("manager show connected")
    return sum(1 for line in listing.splitlines() if line.split()[:1] == [asterisk.ami_username])


async def linked_ids(ami: AmiClient) -> set[str]:
    """The calls Asterisk has now (the linked ids of its channels)."""
    return {channel["Linkedid"] for channel in await ami.list_action("CoreShowChannels")}


async def test_an_edge_paused_past_its_ami_session_resyncs_to_what_asterisk_has(
    named_asterisk: AsteriskServer, postgres_url: str, nats: NatsServer, ami: AmiClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    crm = build_crm(database_url=postgres_url)
    try:
        await crm.users.add({"login": "boss", "display_name": "Boss", "role": "supervisor"},
                            password=PASSWORD)  # fmt: skip
    finally:
        await crm.close()
    port = free_port()
    edge = edge_process(named_asterisk, postgres_url, nats, port, tmp_path).start()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:

        async def token() -> str | None:
            try:
                boss = {"username": "boss", "password": PASSWORD}
                async with http.post(f"{base}/api/login", json=boss) as answer:
                    return str((await answer.json())["token"]) if answer.status == 200 else None
            except aiohttp.ClientError:
                return None

        async def serving() -> bool:
            return await token() is not None and service_sessions(named_asterisk) == 1

        try:
            await until(serving, within=60)
            bearer = {"Authorization": f"Bearer {await token()}"}

            async def live() -> set[str]:
                async with http.get(f"{base}/api/calls", headers=bearer) as answer:
                    assert answer.status == 200, await answer.text()
                    return {call["call_id"] for call in (await answer.json())["calls"]}

            async def converged() -> bool:
                return await live() == await linked_ids(ami)

            for number in ("13900000001", "13900000002", "13900000003"):
                await originate(ami, f'"Caller" <{number}>')
            await until(lambda: _three(ami), within=20)
            await until(converged, within=20)
            before = await live()

            edge.signal(signal.SIGSTOP)
            sent = 0
            while service_sessions(named_asterisk) and sent < FLOOD_MAX:
                await asyncio.gather(*(
                    ami.action("UserEvent", UserEvent="flood", Padding=PADDING)
                    for _ in range(FLOOD_BATCH)
                ))  # fmt: skip
                sent += FLOOD_BATCH
                ami.events.clear()  # the tests' own session reads them all; keep none
            assert service_sessions(named_asterisk) == 0  # Asterisk dropped the paused edge
            # Calls come and go while the edge has no session: only a resync can show them.
            gone = sorted(before)[0]
            channels = await ami.list_action("CoreShowChannels")
            for channel in (c for c in channels if c["Linkedid"] == gone):
                await ami.action("Hangup", Channel=channel["Channel"])
            await originate(ami, '"Caller" <13900000004>')

            async def moved_on() -> bool:
                calls = await linked_ids(ami)
                return gone not in calls and len(calls) == 3

            await until(moved_on, within=20)
            now = await linked_ids(ami)
            assert gone not in now and len(now - before) == 1
            edge.signal(signal.SIGCONT)

            async def back() -> bool:
                return service_sessions(named_asterisk) == 1 and await converged()

            await until(back, within=60)
            assert await live() == now
        finally:
            edge.stop()
            await hang_up_everything(ami)


async def _three(ami: AmiClient) -> bool:
    return len(await linked_ids(ami)) == 3
