"""How long the wall-board takes to apply one live update and repaint, and whether that
grows with the number of agents beyond those on screen.

The real :class:`ConsoleApp` and :class:`WallBoardScreen` run under Textual's headless
driver at 200×50, without a service: the board state is filled directly (``--queues``
queues, ``--calls`` live calls and each agent count of ``--agents``), then ``--updates``
live updates are applied one at a time, each timed from the push reaching the board's
state through the screen's handler and the widgets' repaint requests to the repainted
screen (``Screen._on_timer_update``, what Textual runs to paint dirty regions). Two kinds
of update are timed: an agent's state change (the most frequent push) and a call moving on
(its queue's figures, its agent's row and its own row; the charts wait for the tick).

    .venv/bin/python bench/console_render.py [--agents 200 1000] [--queues 50] [--calls 200]
                                             [--updates 1000]

Prints p50/p99 in ms per kind and agent count, in elapsed time and in this thread's CPU
time (what other processes on a loaded machine do not move), the load average, and the
ratio of the largest agent count's figures to the smallest's. Targets: p99 ≤ 16 ms (one
frame at 60 Hz) for an agent update and for a call update, and a ratio near 1 (the work
follows what is visible, not the number of agents).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual import events
from textual.pilot import Pilot

import agent_tui.app
from agent_tui.app import ConsoleApp
from agent_tui.board_state import BoardState
from agent_tui.client import Session
from agent_tui.feed import LiveFeed
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import AgentState, CallUpdate, QueueUpdate, TelephonyStatus, iso

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STATES = ("ready", "on_call", "wrap_up", "paused")
SIZE = (200, 50)
TARGET_MS = 16.0


def _at(seconds_ago: float) -> str:
    return iso((NOW - timedelta(seconds=seconds_ago)).timestamp())


class BenchConsole(ConsoleApp):
    """The console straight on the wall-board (no login, no feed: nothing to connect to)."""

    CSS_PATH = Path(agent_tui.app.__file__).parent / "styles" / "app.tcss"

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not the console's login screen
        self.client.session = Session("boss", "supervisor", "Boss", "6100", ())
        self.desk.connected = True
        self.push_screen(WallBoardScreen())


def fill(board: BoardState, agents: int, queues: int, calls: int, rng: random.Random) -> None:
    """Queues, agents (each in one or two queues) and live calls, as pushes would leave them."""
    names = [f"q{n:02d}" for n in range(queues)]
    board.apply(TelephonyStatus(True), NOW)
    for name in names:
        board.apply(QueueUpdate(name, rng.randrange(5), rng.randrange(90), 3, 4, 1, 20), NOW)
    for n in range(agents):
        state = AgentState(f"agent{n:04d}", rng.choice(STATES), _at(rng.randrange(1800)), None,
                           rng.sample(names, 2))  # fmt: skip
        board.apply(state, NOW)
    for n in range(calls):
        call = CallUpdate(f"call{n}", "answered", f"1390000{n:04d}", _at(rng.randrange(600)),
                          rng.choice(names), f"agent{n:04d}")  # fmt: skip
        board.apply(call, NOW)


async def repainted(pilot: Pilot[None]) -> None:
    """Until the screen has painted what the update changed: the widgets' pending messages
    (their repaint requests) processed, then the screen's paint of its dirty regions."""
    await pilot._wait_for_screen()  # Pilot.pause without waiting for the CPU to go idle
    pilot.app.screen._on_timer_update()


def _ms(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


async def measure(agents: int, queues: int, calls: int, updates: int) -> dict[str, float]:
    """p50/p99 (ms) of agent-state and call updates with ``agents`` agents on the board."""
    rng = random.Random(agents)
    app = BenchConsole("http://127.0.0.1:9", clock=lambda: NOW, tick_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        fill(app.board, agents, queues, calls, rng)
        screen = app.screen
        assert isinstance(screen, WallBoardScreen)
        screen.redraw()
        await pilot.pause()
        timed: dict[str, list[float]] = {k: [] for k in ("agent", "call", "agent cpu", "call cpu")}
        for _ in range(updates):
            login = f"agent{rng.randrange(agents):04d}"
            known = app.board.agents[login]
            agent = AgentState(login, rng.choice(STATES), _at(0), None, known.queues)
            started, cpu = time.perf_counter(), time.thread_time()
            app.board.apply(agent, NOW)
            screen.on_live_feed_agent_state_changed(LiveFeed.AgentStateChanged(agent))
            await repainted(pilot)
            timed["agent"].append(time.perf_counter() - started)
            timed["agent cpu"].append(time.thread_time() - cpu)
            await pilot.pause()  # what the update left for the app's idle time runs here
        for n in range(updates):
            call = CallUpdate(f"call{n % calls}", ("answered", "held")[n % 2], "13800000000",
                              _at(30), f"q{n % queues:02d}", f"agent{n % calls:04d}")  # fmt: skip
            started, cpu = time.perf_counter(), time.thread_time()
            app.board.apply(call, NOW)
            screen.on_live_feed_call_updated(LiveFeed.CallUpdated(call))
            await repainted(pilot)
            timed["call"].append(time.perf_counter() - started)
            timed["call cpu"].append(time.thread_time() - cpu)
            await pilot.pause()
        await pilot.pause()
    figures: dict[str, float] = {}
    for kind, seconds in timed.items():
        figures[f"{kind} p50"], figures[f"{kind} p99"] = _ms(seconds)
    return figures


def main() -> None:
    """Measure each agent count and print the figures side by side with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--updates", type=int, default=1000)
    args = parser.parse_args()
    if min(args.agents) < args.calls:
        parser.error("--agents must be at least --calls (each call has its own agent)")
    results = {
        n: asyncio.run(measure(n, args.queues, args.calls, args.updates)) for n in args.agents
    }
    low, high = min(args.agents), max(args.agents)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the end")
    print(f"wall-board at {SIZE[0]}×{SIZE[1]}, {args.queues} queues, {args.calls} calls, "
          f"{args.updates} updates of each kind")  # fmt: skip
    print(f"{'figure (ms)':<16}" + "".join(f"{f'{n} agents':>14}" for n in args.agents)
          + f"{'ratio':>8}")  # fmt: skip
    for figure in results[low]:
        row = "".join(f"{results[n][figure]:>14.2f}" for n in args.agents)
        print(f"{figure:<16}{row}{results[high][figure] / results[low][figure]:>8.2f}")
    for kind in ("agent", "call"):
        p99 = results[high][f"{kind} p99"]
        verdict = "PASS" if p99 <= TARGET_MS else "MISS"
        print(f"{kind} update p99 at {high} agents: {p99:.2f} ms (target ≤ {TARGET_MS:.0f}) "
              f"{verdict}; CPU time {results[high][f'{kind} cpu p99']:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
