"""Card pop latency: a card put on a PC/SC reader → its ``screen_pop`` at the console.

    sudo .venv/bin/python bench/card_pop.py [--taps 200]

Runs the real stack in one process, as root: a private pcscd with the vpcd virtual reader
(the tests' ``tests/support/pcsc.py``), the API (``make_app``) over a fresh SQLite CRM
with one agent and one member whose card has a chip UID, the agent's console (an
aiohttp WebSocket reading pushes) and the card watcher (``card_agent``: pyscard, then
``POST /api/cards/{uid}/tap``). Each round puts a virtual card on the reader and waits for
the console to read the pop (the clock runs from the card's connection to vpcd to the
pop frame), takes the card off and waits for the watcher to see it gone; then it sends
the same pop directly (the same ``POST …/tap`` from this process) and times that too.
Prints p50/p99 of both paths and their ratios. Target: card pop p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from card_agent.api import CardApi  # noqa: E402
from card_agent.events import CardRead, CardRemoved, WatchEvent  # noqa: E402
from card_agent.pcsc import ReaderWatcher  # noqa: E402
from card_agent.watch import tap_line  # noqa: E402
from crm_core.db.migrate import upgrade  # noqa: E402
from crm_core.wiring import build_crm  # noqa: E402
from cti.protocol import ScreenPop, from_json  # noqa: E402
from cti.service import make_app  # noqa: E402
from tests.support.pcsc import PcscDaemon, VirtualCard, missing  # noqa: E402

UID = "04A1B2C3D4E5F6"
READER = "Virtual PCD 00 00"
PASSWORD = "bench horse battery staple"
P99_TARGET_MS = 50.0


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Desk:
    """The agent's console (a WebSocket) and the card watcher's removals, as events."""

    def __init__(self) -> None:
        self.pops: asyncio.Queue[float] = asyncio.Queue()
        self.removed = threading.Event()
        self.lines: list[str] = []
        self.read_at: list[float] = []
        """When the watcher had each UID (pyscard answered), before it asked for the pop."""

    async def read_pushes(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """Stamp every card pop the console reads."""
        async for frame in socket:
            message = from_json(frame.data)
            if isinstance(message, ScreenPop) and message.source == "card":
                self.pops.put_nowait(time.perf_counter())


async def serve(database: Path) -> tuple[web.AppRunner, int, str]:
    """The API over a fresh CRM: agent1, a member with card C-0001 (chip UID)."""
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade(url)
    crm = build_crm(database_url=url)
    await crm.users.add({"login": "agent1", "display_name": "Agent One", "role": "agent"},
                        password=PASSWORD)  # fmt: skip
    member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="b")
    await crm.cards.issue("C-0001", UID, actor="bench")
    await crm.cards.bind("C-0001", member.number, actor="bench")
    runner = web.AppRunner(make_app(crm=crm))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, int(port), member.number


async def run(taps: int) -> int:
    """Time ``taps`` card pops and as many direct ones; print the figures."""
    folder = Path(tempfile.mkdtemp(prefix="ctidesk-card-bench-"))
    runner, port, _member = await serve(folder / "crm.db")
    base = f"http://127.0.0.1:{port}"
    daemon = PcscDaemon()
    os.environ["PCSCLITE_CSOCK_NAME"] = str(daemon.socket_path)
    daemon.start()
    desk = Desk()
    loop = asyncio.get_running_loop()
    api = CardApi(base, "agent1", PASSWORD)
    await loop.run_in_executor(None, api.log_in)  # before the clock: a login hashes (argon2id)

    def report(event: WatchEvent) -> None:  # on the watcher's thread
        if isinstance(event, CardRemoved):
            desk.removed.set()
        elif isinstance(event, CardRead):
            desk.read_at.append(time.perf_counter())
            desk.lines.append(tap_line(api, event))

    watcher = ReaderWatcher(report).start()
    card_ms: list[float] = []
    read_ms: list[float] = []
    direct_ms: list[float] = []
    try:
        async with aiohttp.ClientSession() as http:
            login = await http.post(f"{base}/api/login",
                                    json={"username": "agent1", "password": PASSWORD})  # fmt: skip
            token = (await login.json())["token"]
            socket = await http.ws_connect(f"{base}/api/ws")
            await socket.send_json({"type": "authenticate", "token": token})
            await socket.receive()  # session_ready
            reading = asyncio.create_task(desk.read_pushes(socket))
            headers = {"Authorization": f"Bearer {token}"}
            card = VirtualCard(daemon.port, UID)  # removal waits on the watcher's CardRemoved
            for _ in range(taps):
                started = time.perf_counter()
                await loop.run_in_executor(None, card.insert)
                card_ms.append((await asyncio.wait_for(desk.pops.get(), 30) - started) * 1000)
                read_ms.append((desk.read_at[-1] - started) * 1000)
                desk.removed.clear()
                await loop.run_in_executor(None, card.remove)
                await loop.run_in_executor(None, desk.removed.wait, 30)
                started = time.perf_counter()
                answer = await http.post(f"{base}/api/cards/{UID}/tap", headers=headers,
                                         json={"reader": READER})  # fmt: skip
                await answer.read()
                direct_ms.append((await asyncio.wait_for(desk.pops.get(), 30) - started) * 1000)
            reading.cancel()
            await socket.close()
    finally:
        watcher.stop()
        daemon.remove()
        await runner.cleanup()
    return report_figures(card_ms, read_ms, direct_ms)


def report_figures(card_ms: list[float], read_ms: list[float], direct_ms: list[float]) -> int:
    """Print p50/p99 of both paths (and of the UID read alone) and their ratios; 0 when the
    target is met."""
    rows = []
    paths = (
        ("card on reader → pop", card_ms),
        ("direct POST tap → pop", direct_ms),
        ("card on reader → UID", read_ms),
    )
    for name, values in paths:
        rows.append((name, percentile(values, 0.5), percentile(values, 0.99), max(values)))
        print(f"{name:24} n={len(values):4}  p50 {rows[-1][1]:8.1f} ms  "
              f"p99 {rows[-1][2]:8.1f} ms  max {rows[-1][3]:8.1f} ms")  # fmt: skip
    (_, card50, card99, _), (_, direct50, direct99, _), _read = rows
    print(f"ratio card/direct: p50 {card50 / direct50:6.1f}×  p99 {card99 / direct99:6.1f}×")
    verdict = "PASS" if card99 <= P99_TARGET_MS else "MISS"
    print(f"target card pop p99 ≤ {P99_TARGET_MS:.0f} ms: {verdict} ({card99:.1f} ms)")
    return 0 if verdict == "PASS" else 1


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=200, help="card taps to time (200)")
    options = parser.parse_args()
    reason = missing()
    if reason is not None:
        print(f"card_pop: {reason}", file=sys.stderr)
        return 2
    return asyncio.run(run(options.taps))


if __name__ == "__main__":
    sys.exit(main())
