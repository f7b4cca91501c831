"""Several nodes, the bus stage: pops published by simulated edges → read by consoles on
real gateways over a real nats-server.

    sudo .venv/bin/python bench/scale.py [--edges 10] [--gateways 2] [--consoles 200]
                                         [--rates 20,50,100,200] [--seconds 10]

What runs: a ``nats-server`` and a PostgreSQL server of this run (the tests' helpers,
stopped by pid at the end); ``--gateways`` real gateway nodes (``CtiService`` with the
gateway role: API, WebSocket hub, subscriptions that follow their consoles); ``--consoles``
agent users, each logged in over HTTP on one gateway (round robin) with one WebSocket;
``--edges`` simulated edges, each a real bus connection with the edge's publisher
(``BusPushes`` over ``Presence``), so a pop goes out only for a user some gateway has.
At each rate, calls arrive evenly over ``--seconds``: each picks a random console and a
random edge, which publishes that agent's ``screen_pop``; the clock starts just before
the publish and stops when the console has read the frame (one process, one clock).

The floor, measured after each step in the same run: the same pops handed straight to
the gateway's hub (no bus), read by the same consoles.

Per step it prints pop latency p50/p99/max (bus and floor), pops read against pops sent
(each exactly once), the messages each gateway received against all published (narrow
subscriptions: a gateway gets only its consoles' pops), consoles closed as too slow
(1013), and the process's CPU seconds per 1,000 pops (everything runs in this process:
the figures do not split by component).

Not measured here (the issue's whole benchmark): AMI parsing and the VarSet/Newexten
flood of ``bench/ami_ingest.py``, the pop's member lookup (``bench/screen_pop.py``), call
records written to PostgreSQL (commits/s), ten Asterisks' edges in processes of their
own, and 1,000 consoles on this 2-core machine; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm_core.db.migrate import upgrade
from crm_core.wiring import build_crm
from cti.cluster import subjects
from cti.cluster.connection import Bus
from cti.cluster.presence import Presence
from cti.cluster.pushes import BusPushes
from cti.protocol import CLOSE_TOO_SLOW, WEBSOCKET_PATH, ScreenPop, from_json
from cti.service import CtiService
from cti.settings import (
    ApiSettings,
    DatabaseSettings,
    NatsSettings,
    NodeSettings,
    Settings,
)
from tests.support.nats import NatsServer
from tests.support.postgres import PostgresServer

PASSWORD = "correct horse battery"


@dataclass
class Console:
    """One agent's console on one gateway, and the pops it read."""

    login: str
    gateway: int
    socket: aiohttp.ClientWebSocketResponse
    read: dict[str, float] = field(default_factory=dict)
    closed_too_slow: bool = False


def pop_for(call_id: str) -> ScreenPop:
    """A pop as an edge would publish it (no member: the lookup is not measured here)."""
    return ScreenPop(call_id=call_id, caller="13812345678", did="4008001234",
                     inbound_media="Bench", queue="hotline", member=None)  # fmt: skip


async def read_forever(console: Console, arrived: asyncio.Event) -> None:
    """Note when each pop arrives (by call id)."""
    async for message in console.socket:
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        received = time.perf_counter()
        parsed = from_json(message.data)
        if isinstance(parsed, ScreenPop):
            if parsed.call_id in console.read:
                console.read[f"{parsed.call_id}#again"] = received
            else:
                console.read[parsed.call_id] = received
            arrived.set()
    console.closed_too_slow = console.socket.close_code == CLOSE_TOO_SLOW


@contextlib.asynccontextmanager
async def gateways(
    count: int, database_url: str, nats: NatsServer
) -> AsyncIterator[list[CtiService]]:
    """``count`` gateway nodes, started."""
    nodes = []
    try:
        for index in range(count):
            settings = Settings(
                database=DatabaseSettings(url=database_url), api=ApiSettings(port=0),
                node=NodeSettings(name=f"gw-{index}", roles=("gateway",), heartbeat_seconds=1.0),
                nats=NatsSettings(url=nats.url),
            )  # fmt: skip
            node = CtiService(settings)
            await node.start()
            nodes.append(node)
        yield nodes
    finally:
        for node in nodes:
            with contextlib.suppress(Exception):  # stop every node even if one fails to
                await node.stop()


async def open_consoles(
    http: aiohttp.ClientSession,
    nodes: list[CtiService],
    logins: list[str],
    arrived: asyncio.Event,
    readers: list[asyncio.Task[None]],
) -> list[Console]:
    """One console per login, round robin over the gateways, each read from the start
    (a socket not read does not answer the server's pings and is closed)."""
    consoles = []
    for index, login in enumerate(logins):
        gateway = index % len(nodes)
        base = f"http://127.0.0.1:{nodes[gateway].port}"
        async with http.post(base + "/api/login",
                             json={"username": login, "password": PASSWORD}) as answer:  # fmt: skip
            token = (await answer.json())["token"]
        socket = await http.ws_connect(base + WEBSOCKET_PATH, max_msg_size=0)
        await socket.send_json({"type": "authenticate", "token": token})
        ready = await socket.receive_json()
        assert ready["type"] == "session_ready", ready
        console = Console(login, gateway, socket)
        readers.append(asyncio.create_task(read_forever(console, arrived)))
        consoles.append(console)
    return consoles


def percentiles(samples: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    if not samples:
        return "-"
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p99 * 1000:.1f} / {ordered[-1] * 1000:.1f}"


async def run_step(rate: int, seconds: float, consoles: list[Console], send: object,
                   arrived: asyncio.Event, label: str) -> tuple[list[float], int, int]:  # fmt: skip
    """Send ``rate`` pops a second for ``seconds``; latencies, pops sent, pops read twice."""
    calls = int(rate * seconds)
    sent: dict[str, tuple[Console, float]] = {}
    started = time.perf_counter()
    for index in range(calls):
        due = started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        console = random.choice(consoles)
        call_id = f"{label}-{rate}-{index}"
        sent[call_id] = (console, time.perf_counter())
        send(console, call_id)  # type: ignore[operator]
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not all(
        cid in console.read or console.closed_too_slow for cid, (console, _) in sent.items()
    ):
        arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), 1.0)
    latencies = [
        console.read[cid] - at for cid, (console, at) in sent.items() if cid in console.read
    ]
    twice = sum(1 for cid, (console, _) in sent.items() if f"{cid}#again" in console.read)
    return latencies, calls, twice


async def bench(args: argparse.Namespace) -> None:
    nats = NatsServer().start()
    postgres = PostgresServer().start() if not args.postgres else None
    database_url = args.postgres or (postgres.create_database("scale") if postgres else "")
    edges: list[Bus] = []
    try:
        await upgrade(database_url)
        crm = build_crm(database_url=database_url)
        logins = [f"agent{index:04d}" for index in range(args.consoles)]
        for login in logins:
            await crm.users.add({"login": login, "display_name": login, "role": "agent",
                                 "queues": [{"queue": "hotline"}]}, password=PASSWORD)  # fmt: skip
        await crm.close()
        print(f"{len(logins)} agent users added", file=sys.stderr)
        async with (
            gateways(args.gateways, database_url, nats) as nodes,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
        ):
            arrived = asyncio.Event()
            readers: list[asyncio.Task[None]] = []
            consoles = await open_consoles(http, nodes, logins, arrived, readers)
            print(f"{len(consoles)} consoles open", file=sys.stderr)
            publishers = []
            for index in range(args.edges):
                bus = Bus(settings=NatsSettings(url=nats.url), node=f"edge-{index}")
                await bus.start()
                presence = Presence(node=f"edge-{index}", local=lambda _login: 0, stale_after=10.0)
                await bus.subscribe(subjects.PRESENCE, presence.heard)
                edges.append(bus)
                publishers.append((bus, presence, BusPushes(bus=bus, presence=presence)))
            for _bus, presence, _pushes in publishers:  # every edge knows every console
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(30):
                        while any(presence.connections_of(login) == 0 for login in logins):
                            presence.learnt.clear()
                            await presence.learnt.wait()
                unseen = [login for login in logins if presence.connections_of(login) == 0]
                if unseen:
                    print(f"an edge does not see {len(unseen)} consoles, e.g. {unseen[:3]}; "
                          f"open on the gateways: {[len(n.cluster.hub.consoles()) for n in nodes]}",
                          file=sys.stderr)  # type: ignore[union-attr]  # fmt: skip
                    return

            def over_bus(console: Console, call_id: str) -> None:
                random.choice(publishers)[2].send_to_user(console.login, pop_for(call_id))

            def floor(console: Console, call_id: str) -> None:
                cluster = nodes[console.gateway].cluster
                assert cluster is not None
                cluster.hub.send_to_user(console.login, pop_for(call_id))

            print(f"{args.edges} edges, {args.gateways} gateways, {len(consoles)} consoles; "
                  f"{args.seconds:g} s per step")  # fmt: skip
            print(
                "rate/s | bus p50/p99/max ms | floor p50/p99/max ms | read/sent | twice | "
                "per-gateway received / all published | 1013 closes | CPU s per 1k pops"
            )
            for rate in args.rates:
                received_before = [n.cluster.relay.delivered for n in nodes]  # type: ignore[union-attr]
                published_before = sum(bus.published for bus in edges)
                cpu = time.process_time()
                bus_lat, sent, twice = await run_step(rate, args.seconds, consoles, over_bus,
                                                      arrived, "bus")  # fmt: skip
                cpu = time.process_time() - cpu
                received = [n.cluster.relay.delivered - before  # type: ignore[union-attr]
                            for n, before in zip(nodes, received_before, strict=True)]  # fmt: skip
                published = sum(bus.published for bus in edges) - published_before
                floor_lat, _floor_sent, _ = await run_step(rate, args.seconds, consoles, floor,
                                                           arrived, "floor")  # fmt: skip
                closed = sum(1 for c in consoles if c.closed_too_slow)
                print(f"{rate:6d} | {percentiles(bus_lat):>18} | {percentiles(floor_lat):>20} | "
                      f"{len(bus_lat)}/{sent} | {twice} | "
                      f"{' + '.join(map(str, received))} / {published} | {closed} | "
                      f"{cpu / max(sent, 1) * 1000:.2f}")  # fmt: skip
            for console in consoles:
                await console.socket.close()
            await asyncio.gather(*readers, return_exceptions=True)
    finally:
        for bus in edges:
            with contextlib.suppress(Exception):  # a bus that does not close cleanly: stop the rest
                await bus.stop()
        if postgres is not None:
            postgres.stop()
        nats.stop()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=10)
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--rates", type=lambda text: [int(r) for r in text.split(",")],
                        default=[20, 50, 100, 200])  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--postgres", help="an existing database URL instead of a server of this run"
    )
    args = parser.parse_args()
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
