"""Card pop latency: a card put on a PC/SC reader → its ``screen_pop`` at the console.

    sudo .venv/bin/python bench/card_pop.py [--taps 200] [--seed 16]

Runs the real stack, as root: a private pcscd with the vpcd virtual reader (the tests'
``tests/support/pcsc.py``); the API (``make_app``) over a fresh SQLite CRM with one agent
and one member whose card has a chip UID, in a process of its own as the server is apart
from the counter; and in this process, the counter's side: the agent's console (an
aiohttp WebSocket reading pushes) and the card watcher (``card_agent``: pyscard, then
``POST /api/cards/{uid}/tap``). Each round waits a random part of pcscd's 400 ms poll (a
person taps at any moment, not just after pcscd looked), puts a virtual card on the
reader (its connection to vpcd starts the clock) and waits for the console to read the
pop; takes the card off and waits for the watcher to see it gone; then sends the same pop
directly (the same ``POST …/tap`` from this process) and times that too.

Each tap is split where pcscd hands over: an observer of its own (a second PC/SC
context waiting on the reader, woken by the same broadcast as the watcher) stamps when
pcscd reports the card. Insertion → that report is pcscd polling the vpcd driver (a CCID
reader with an interrupt endpoint reports at once); that report → the pop is ours (the
UID read through pcscd, the tap request, the push). Prints p50/p99/max of each part, the
total and the direct pop, and the verdicts: target card pop p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web
from smartcard import scard

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
POLL_SECONDS = 0.4  # pcscd's PCSCLITE_STATUS_POLL_RATE for a driver without a polling thread


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Desk:
    """The agent's console (a WebSocket) and the card watcher's reads and removals."""

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


class PcscdObserver:
    """A PC/SC client of its own that stamps each time pcscd reports a card on ``reader``.

    pcscd wakes every client waiting on a reader with one broadcast, so this thread learns
    of a card when the watcher does: the stamp is where pcscd's part ends and ours begins.
    """

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self.reported: queue.Queue[float] = queue.Queue()
        self._stopping = threading.Event()
        code, self._context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert code == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(code)
        self._thread = threading.Thread(target=self._run, name="pcscd-observer", daemon=True)

    def start(self) -> PcscdObserver:
        """Start observing."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop observing and release the context."""
        self._stopping.set()
        scard.SCardCancel(self._context)
        self._thread.join()
        scard.SCardReleaseContext(self._context)

    def _run(self) -> None:
        state = scard.SCARD_STATE_UNAWARE
        while not self._stopping.is_set():
            code, states = scard.SCardGetStatusChange(self._context, 1000, [(self.reader, state)])
            if code == scard.SCARD_E_TIMEOUT:
                continue
            if code != scard.SCARD_S_SUCCESS:
                return  # cancelled (or pcscd gone: the bench then fails on its own wait)
            [(_, event, _atr)] = states
            if event & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_PRESENT:
                self.reported.put(time.perf_counter())
            state = event & ~scard.SCARD_STATE_CHANGED


@dataclass
class Figures:
    """Milliseconds per tap: each part of the card's path, and the direct pop."""

    pcscd: list[float] = field(default_factory=list)
    """Insertion → pcscd reports the card (vpcd polled by pcscd)."""
    uid: list[float] = field(default_factory=list)
    """pcscd's report → the watcher has the UID (connect and FF CA through pcscd)."""
    tap: list[float] = field(default_factory=list)
    """The UID → the pop read by the console (POST tap: the service and the push)."""
    ours: list[float] = field(default_factory=list)
    """pcscd's report → the pop (uid + tap)."""
    total: list[float] = field(default_factory=list)
    """Insertion → the pop."""
    direct: list[float] = field(default_factory=list)
    """The same POST tap sent by the bench → the pop."""

    def add(self, inserted: float, reported: float, read: float, popped: float) -> None:
        """One tap's stamps (perf_counter seconds)."""
        self.pcscd.append((reported - inserted) * 1000)
        self.uid.append((read - reported) * 1000)
        self.tap.append((popped - read) * 1000)
        self.ours.append((popped - reported) * 1000)
        self.total.append((popped - inserted) * 1000)


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


def serve_apart(database: str, pipe: Connection) -> None:
    """The API in this process (the bench's server process) until ``pipe`` says stop."""

    async def until_stopped() -> None:
        runner, port, _member = await serve(Path(database))
        pipe.send(port)
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await runner.cleanup()

    asyncio.run(until_stopped())


async def run(taps: int, seed: int) -> int:
    """Time ``taps`` card pops and as many direct ones; print the figures."""
    folder = Path(tempfile.mkdtemp(prefix="ctidesk-card-bench-"))
    pipe, child_end = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_apart, args=(str(folder / "crm.db"), child_end), name="card-bench-api"
    )
    server.start()
    loop = asyncio.get_running_loop()
    try:
        port = await loop.run_in_executor(None, pipe.recv)
        return await time_taps(f"http://127.0.0.1:{port}", taps, seed)
    finally:
        pipe.send("stop")
        server.join(30)


async def time_taps(base: str, taps: int, seed: int) -> int:
    """Time ``taps`` card pops against the API at ``base``, and as many direct ones."""
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
    observer = PcscdObserver(READER).start()
    figures = Figures()
    phase = random.Random(seed)
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
                await asyncio.sleep(phase.uniform(0, POLL_SECONDS))  # anywhere in pcscd's poll
                inserted = time.perf_counter()
                await loop.run_in_executor(None, card.insert)
                popped = await asyncio.wait_for(desk.pops.get(), 30)
                reported = await loop.run_in_executor(None, observer.reported.get, True, 30)
                figures.add(inserted, reported, desk.read_at[-1], popped)
                desk.removed.clear()
                await loop.run_in_executor(None, card.remove)
                await loop.run_in_executor(None, desk.removed.wait, 30)
                started = time.perf_counter()
                answer = await http.post(f"{base}/api/cards/{UID}/tap", headers=headers,
                                         json={"reader": READER})  # fmt: skip
                await answer.read()
                popped = await asyncio.wait_for(desk.pops.get(), 30)
                figures.direct.append((popped - started) * 1000)
            reading.cancel()
            await socket.close()
    finally:
        observer.stop()
        watcher.stop()
        api.close()
        daemon.remove()
    return report_figures(figures)


def report_figures(figures: Figures) -> int:
    """Print p50/p99/max of each part, the total and the direct pop, ratios and verdicts;
    0 when the total meets the target."""
    rows = (
        ("insertion → pcscd reports card", figures.pcscd, "pcscd polling vpcd"),
        ("pcscd report → pop (ours)", figures.ours, "of which:"),
        ("  pcscd report → UID read", figures.uid, "connect + FF CA via pcscd"),
        ("  UID read → pop", figures.tap, "POST tap + push"),
        ("insertion → pop (total)", figures.total, ""),
        ("direct POST tap → pop", figures.direct, "same run"),
    )
    p99: dict[str, float] = {}
    for name, values, note in rows:
        p50, p99[name] = percentile(values, 0.5), percentile(values, 0.99)
        print(f"{name:31} n={len(values):4}  p50 {p50:7.1f} ms  p99 {p99[name]:7.1f} ms  "
              f"max {max(values):7.1f} ms  {note}")  # fmt: skip
    total50, direct50 = percentile(figures.total, 0.5), percentile(figures.direct, 0.5)
    print(f"ratio total/direct: p50 {total50 / direct50:6.1f}×  "
          f"p99 {p99[rows[4][0]] / p99[rows[5][0]]:6.1f}×")  # fmt: skip
    ours, total = p99[rows[1][0]], p99[rows[4][0]]
    print(f"our part p99 ≤ {P99_TARGET_MS:.0f} ms: {verdict(ours)} ({ours:.1f} ms)")
    print(f"target card pop p99 ≤ {P99_TARGET_MS:.0f} ms: {verdict(total)} ({total:.1f} ms; "
          "with vpcd, pcscd's 400 ms poll alone is above it)")  # fmt: skip
    return 0 if total <= P99_TARGET_MS else 1


def verdict(p99_ms: float) -> str:
    """PASS or MISS against the target."""
    return "PASS" if p99_ms <= P99_TARGET_MS else "MISS"


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=200, help="card taps to time (200)")
    parser.add_argument("--seed", type=int, default=16, help="seed of the tap moments (16)")
    options = parser.parse_args()
    reason = missing()
    if reason is not None:
        print(f"card_pop: {reason}", file=sys.stderr)
        return 2
    return asyncio.run(run(options.taps, options.seed))


if __name__ == "__main__":
    sys.exit(main())
