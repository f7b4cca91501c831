"""FastAGI load: 200 concurrent IVR sessions from an AGI client simulator over TCP.

    .venv/bin/python bench/ivr_load.py [--sessions 200] [--rounds 3] [--members 1000]
                                       [--think 1.0] [--ramp 2.0]

The real FastAGI server (``ivr.app.build_ivr``) runs in this process over a fresh
SQLite CRM of N bulk members, each with a gift of points. A child process plays
Asterisk (``ivr.simulator``): it opens ``--sessions`` connections at once, sends each an
AGI environment and answers every command the way Asterisk would, keys included. Each
round runs twice, with the same key script:

- **bare**: a flow of the same commands with no CRM work (ANSWER, SET VARIABLE, three
  keypad reads, a few SAY NUMBERs) — the cost of our protocol handling alone;
- **points**: the real points self-check — caller identified by number and confirmed
  with the member number's last 4 digits (the PIN check path without argon2), the
  balances, the last 3 ledger entries, then ``#``.

Command turnaround is the time from the simulator's reply (or the environment) to the
next command line arriving: what a caller waits on us between two prompts. Callers
take ``--think`` seconds on average (uniform 0.5–1.5×) to answer each keypad read, as
people do, so the 200 sessions overlap without marching in step; ``--think 0`` answers
at once. The sessions of a round arrive over ``--ramp`` seconds (100 calls a second by
default); each lasts longer than the ramp, so all of them are open at once. ``--think 0
--ramp 0`` is the worst case: every session hits the database in the same milliseconds. One warm-up
round of 20 sessions runs first, unmeasured.

Targets: points p99 turnaround ≤ 10 ms, and no failed session (the server counts
completed / hung-up / failed / refused sessions; the simulator checks that every session
ended with ``IVR_RESULT=done``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crm_core.db.migrate import upgrade
from crm_core.io.bulk import bulk_phone, member_number, seed_bulk
from crm_core.wiring import Crm, build_crm
from ivr.app import build_ivr
from ivr.config import IvrConfig
from ivr.flows.common import RESULT
from ivr.server import AgiServer
from ivr.session import AgiSession
from ivr.simulator import environment, simulate_call

TARGET_P99_MS = 10.0
WARM_UP = 20
console = Console(width=max(Console().width, 100))


async def bare_flow(session: AgiSession) -> None:
    """The points flow's command shape without any CRM work."""
    await session.answer()
    await session.set_variable("CHANNEL(language)", "en")
    await session.read_digits("conf-getpin", max_digits=8, wait=5)
    for value in (1200, 1200, 300):
        await session.say_number(value)
    await session.read_key("vm-options", wait=5, allowed="10#")
    await session.say_number(300)
    await session.read_key("vm-options", wait=5, allowed="10#")
    await session.set_variable(RESULT, "done")


# -- the simulator (child process) ------------------------------------------------------
Step = tuple[str, float]
"""(the command that arrived, numbered in its session; its turnaround in ms)"""


async def drive(job: dict[str, Any]) -> dict[str, Any]:
    """Run one call per caller at once; turnarounds in ms and the failures."""
    port, route, think, ramp = job["port"], job["route"], job["think"], job["ramp"]
    rng = random.Random(job["seed"])
    count = len(job["callers"])

    def pause() -> float:
        return rng.uniform(0.5 * think, 1.5 * think)

    async def one(index: int, caller: str, script: list[str]) -> tuple[list[Step], str | None]:
        await asyncio.sleep(index * ramp / count)  # callers arrive over the ramp
        try:
            call = await simulate_call(
                "127.0.0.1", port, environment(route, caller=caller), keys=script, within=60,
                think=pause if think > 0 else None,
            )  # fmt: skip
        except (OSError, TimeoutError) as error:
            return [], f"{caller}: {error!r}"
        steps = [
            (f"{n:02d} {' '.join(line.split()[:2])}", seconds * 1000)
            for n, (line, seconds) in enumerate(zip(call.commands, call.turnarounds, strict=True))
        ]
        if call.variables.get(RESULT) != "done":
            return steps, f"{caller}: ended with {call.variables.get(RESULT)!r}"
        return steps, None

    calls = zip(job["callers"], job["keys"], strict=True)
    results = await asyncio.gather(
        *(one(i, caller, keys) for i, (caller, keys) in enumerate(calls))
    )
    return {
        "steps": [step for steps, _ in results for step in steps],
        "errors": [error for _, error in results if error is not None],
    }


def client_main(spec: str) -> None:
    job = json.loads(spec)
    result = asyncio.run(drive(job))
    sys.stdout.write(json.dumps(result))


async def run_clients(job: dict[str, Any]) -> dict[str, Any]:
    """Run the simulator in a child process (so its work does not share our loop)."""
    spec = json.dumps(job)
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", spec, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the simulator exited with {child.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


# -- the server side --------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def prepare(url: str, members: int) -> tuple[Crm, list[str], list[list[str]]]:
    await upgrade(url)
    crm = build_crm(database_url=url)
    loaded = await seed_bulk(crm, members=members, seed=7)
    assert loaded.first_number is not None
    first = int(loaded.first_number.split("-")[1])
    sequences = list(range(first, first + members))
    for sequence in sequences:
        await crm.points.gift(
            member_number(sequence), 500, reason="bench", operator="bench",
            idempotency_key=f"bench-{sequence}",
        )  # fmt: skip
    callers = [bulk_phone(sequence) for sequence in sequences]
    keys = [[member_number(sequence)[-4:], "1", "#"] for sequence in sequences]
    return crm, callers, keys


async def measure(
    server: AgiServer,
    route: str,
    callers: list[str],
    keys: list[list[str]],
    *,
    think: float,
    ramp: float,
) -> dict[str, Any]:
    before = (server.completed, server.hung_up, server.failed, server.refused)
    job = {"port": server.port, "route": route, "callers": callers, "keys": keys,
           "think": think, "ramp": ramp, "seed": len(callers)}  # fmt: skip
    result = await run_clients(job)
    await server.wait_ended(sum(before) + len(callers))
    after = (server.completed, server.hung_up, server.failed, server.refused)
    completed, hung_up, failed, refused = (a - b for a, b in zip(after, before, strict=True))
    result["server_failed"] = failed + refused + hung_up
    result["completed"] = completed
    return result


async def bench(args: argparse.Namespace, directory: Path) -> bool:
    crm, callers, keys = await prepare(f"sqlite+aiosqlite:///{directory / 'ivr.db'}", args.members)
    server = build_ivr(crm=crm, config=IvrConfig(keypad_timeout=5.0), port=0)
    server.add_route("bare", bare_flow)
    await server.start()
    try:
        for route in ("points", "bare"):
            await measure(server, route, callers[:WARM_UP], keys[:WARM_UP], think=0, ramp=0)
        totals: dict[str, dict[str, Any]] = {
            route: {"steps": [], "errors": [], "server_failed": 0, "completed": 0}
            for route in ("bare", "points")
        }
        for round_number in range(args.rounds):
            start = (round_number * args.sessions) % max(1, len(callers) - args.sessions + 1)
            chosen = slice(start, start + args.sessions)
            for route in ("bare", "points"):
                result = await measure(
                    server, route, callers[chosen], keys[chosen], think=args.think, ramp=args.ramp
                )
                total = totals[route]
                total["steps"] += result["steps"]
                total["errors"] += result["errors"]
                total["server_failed"] += result["server_failed"]
                total["completed"] += result["completed"]
    finally:
        await server.stop()
        await crm.close()
    table = Table(
        title=f"FastAGI · {args.sessions} concurrent sessions × {args.rounds} rounds · "
        f"{args.members:,} members (SQLite) · think {args.think:g} s · ramp {args.ramp:g} s",
        title_style="bold",
    )
    for column in ("flow", "sessions ok", "failed", "commands", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right")
    table.add_column(f"p99 ≤ {TARGET_P99_MS:g} ms, 0 failed")
    ok = True
    p99s = {}
    for route, total in totals.items():
        times = [ms for _, ms in total["steps"]]
        failed = len(total["errors"]) + total["server_failed"]
        p99s[route] = percentile(times, 0.99)
        passed = failed == 0 and (route == "bare" or p99s[route] <= TARGET_P99_MS)
        ok = ok and passed
        table.add_row(
            route, f"{total['completed']:,}", str(failed), f"{len(times):,}",
            f"{statistics.median(times):.2f}", f"{p99s[route]:.2f}", f"{max(times):.2f}",
            "[bold green]PASS[/]" if passed else "[bold red]MISS[/]",
        )  # fmt: skip
        for error in total["errors"][:3]:
            console.print(f"[red]{route}: {error}[/]")
    table.caption = f"points p99 ÷ bare p99 = {p99s['points'] / p99s['bare']:.1f}×"
    console.print(table)
    by_step: dict[str, list[float]] = {}
    for step, ms in totals["points"]["steps"]:
        by_step.setdefault(step, []).append(ms)
    slowest = sorted(by_step.items(), key=lambda item: -percentile(item[1], 0.99))[:4]
    console.print(
        "points, slowest steps by p99 (the work done before that command): "
        + "; ".join(f"{step} {percentile(v, 0.99):.1f} ms" for step, v in slowest)
    )
    return ok


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--client":
        client_main(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a caller takes to answer a keypad read (0: answer at once)",
    )
    parser.add_argument(
        "--ramp", type=float, default=2.0,
        help="seconds over which the sessions of a round arrive (0: all at once)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.members < args.sessions:
        parser.error("need at least as many members as concurrent sessions")
    with tempfile.TemporaryDirectory(prefix="ctidesk-bench-") as directory:
        return 0 if asyncio.run(bench(args, Path(directory))) else 1


if __name__ == "__main__":
    sys.exit(main())
