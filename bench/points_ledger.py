"""Points postings per second through PointsService, with 1 and with 8 concurrent writers.

    .venv/bin/python bench/points_ledger.py [--members 1000] [--postings 4000]
                                            [--writers 8] [--postgres URL] [--profile]

A freshly migrated SQLite database (in a temporary directory) gets N bulk members with
empty accounts; then a fixed number of postings runs once with one writer and once with
``--writers`` asyncio tasks, each task awaiting its postings one after the other. Every
member's postings cycle through gift, redeem and adjust (up and down) so redemptions
always have points to take. Afterwards the ledger invariants must hold (exit 1 if not).

Target: at least 2,000 postings/s on SQLite. ``--profile`` prints where the time goes,
in the event loop's thread and in the database writer thread.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from crm_core.db.migrate import upgrade
from crm_core.io.bulk import member_number, seed_bulk
from crm_core.wiring import Crm, build_crm

TARGET_PER_S = 2_000
OPERATOR = "bench"
T = TypeVar("T")
console = Console(width=max(Console().width, 100))


class Profiles:
    """cProfile of the event loop's thread and of every unit of work in the writer thread."""

    def __init__(self) -> None:
        self.loop = cProfile.Profile()
        self.writer = cProfile.Profile()

    def attach(self, crm: Crm) -> None:
        """Wrap the database's ``run_write`` so each unit of work runs under the profiler."""
        run_write = crm.db.run_write
        writer = self.writer

        async def profiled(work: Callable[[Session], T]) -> T:
            def measured(session: Session) -> T:
                writer.enable()
                try:
                    return work(session)
                finally:
                    writer.disable()

            return await run_write(measured)

        crm.db.run_write = profiled  # type: ignore[method-assign]

    def print(self) -> None:
        for title, profile in (("event loop thread", self.loop), ("writer thread", self.writer)):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(18)
            console.rule(f"profile: {title} (by own time)")
            console.print(out.getvalue(), markup=False, highlight=False)


async def writer_task(
    crm: Crm, members: list[str], postings: int, label: str, latencies: list[int]
) -> None:
    """Sequential postings over this task's own members: gift, redeem, adjust ±."""
    points = crm.points
    for i in range(postings):
        member = members[i % len(members)]
        visit = i // len(members)
        key = f"{label}:{member}:{visit}"
        started = time.perf_counter_ns()
        match visit % 6:
            case 0:
                await points.gift(
                    member, 100, reason="bench", operator=OPERATOR, idempotency_key=key
                )
            case 1:
                await points.redeem(
                    member, 20, item="bench", operator=OPERATOR, idempotency_key=key
                )
            case 2:
                await points.adjust(
                    member, 10, reason="bench", operator=OPERATOR, idempotency_key=key
                )
            case 3:
                await points.redeem(
                    member, 30, item="bench", operator=OPERATOR, idempotency_key=key
                )
            case 4:
                await points.adjust(
                    member, -5, reason="bench", operator=OPERATOR, idempotency_key=key
                )
            case _:
                await points.gift(
                    member, 50, reason="bench", operator=OPERATOR, idempotency_key=key
                )
        latencies.append(time.perf_counter_ns() - started)


async def run(crm: Crm, numbers: list[str], *, writers: int, postings: int, label: str) -> Any:
    """Postings per second and per-posting latencies with ``writers`` concurrent tasks."""
    latencies: list[int] = []
    share = postings // writers
    started = time.perf_counter()
    await asyncio.gather(
        *(
            writer_task(crm, numbers[k::writers], share, f"{label}:{k}", latencies)
            for k in range(writers)
        )
    )
    elapsed = time.perf_counter() - started
    done = share * writers
    ordered = sorted(latencies)
    return {
        "writers": writers,
        "postings": done,
        "seconds": elapsed,
        "per_s": done / elapsed,
        "p50_ms": ordered[len(ordered) // 2] / 1e6,
        "p99_ms": ordered[int(len(ordered) * 0.99)] / 1e6,
        "mean_ms": statistics.fmean(ordered) / 1e6,
    }


async def bench(url: str, args: argparse.Namespace, title: str) -> bool:
    await upgrade(url)
    crm = build_crm(database_url=url)
    profiles = Profiles() if args.profile else None
    try:
        loaded = await seed_bulk(crm, members=args.members, seed=1)
        assert loaded.first_number is not None
        first = int(loaded.first_number.split("-")[1])
        numbers = [member_number(first + i) for i in range(args.members)]
        label = f"run{time.time_ns()}"
        await run(crm, numbers, writers=1, postings=min(200, args.postings), label=f"{label}:warm")
        if profiles is not None:
            profiles.attach(crm)
            profiles.loop.enable()
        results = [
            await run(crm, numbers, writers=w, postings=args.postings, label=f"{label}:{w}")
            for w in (1, args.writers)
        ]
        if profiles is not None:
            profiles.loop.disable()
        problems = await crm.points.check_invariants()
    finally:
        await crm.close()
    table = Table(title=title, title_style="bold")
    for column in ("writers", "postings", "seconds", "postings/s", "p50 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right")
    table.add_column(f"≥ {TARGET_PER_S:,}/s")
    for r in results:
        passed = r["per_s"] >= TARGET_PER_S
        table.add_row(
            str(r["writers"]), f"{r['postings']:,}", f"{r['seconds']:.2f}", f"{r['per_s']:,.0f}",
            f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['mean_ms']:.2f}",
            "[bold green]PASS[/]" if passed else "[bold red]MISS[/]",
        )  # fmt: skip
    ratio = results[1]["per_s"] / results[0]["per_s"]
    table.caption = f"{args.writers} writers ÷ 1 writer = {ratio:.2f}×"
    console.print(table)
    if profiles is not None:
        profiles.print()
    if problems:
        console.print(
            f"[bold red]invariants: FAIL[/] ({len(problems)} members), e.g. {problems[0]}"
        )
        return False
    console.print("[bold green]invariants: OK[/]")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--postings", type=int, default=4_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--postgres", metavar="URL", help="also measure this PostgreSQL database")
    parser.add_argument("--profile", action="store_true", help="print cProfile summaries")
    args = parser.parse_args()
    if args.members < args.writers or args.postings < args.writers:
        parser.error("need at least one member and one posting per writer")
    ok = True
    with tempfile.TemporaryDirectory(prefix="ctidesk-bench-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'ledger.db'}"
        ok = asyncio.run(bench(url, args, f"SQLite · {args.members:,} members")) and ok
    if args.postgres:
        ok = (
            asyncio.run(bench(args.postgres, args, f"PostgreSQL · {args.members:,} members")) and ok
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
