"""Caller-number lookup, the screen pop's hot path: ours against bare drivers, in one run.

    .venv/bin/python bench/member_lookup.py [--members 1000000] [--lookups 20000]
                                            [--db PATH] [--postgres URL]

Builds (or reuses) a SQLite database of N bulk members, then looks up random members by
phone, interleaving the paths key by key so they share the machine's state:

- ours: ``PhoneDirectory.lookup_e164(e164)`` and ``PhoneDirectory.lookup(raw)`` (the raw
  caller number as a trunk delivers it, normalised first);
- bare aiosqlite: the same SELECT with ``execute_fetchall`` on a connection of its own;
- bare sqlite3: the same SELECT, synchronous, in the calling thread.

Targets: ours p99 < 1 ms, and ours no more than 2× bare aiosqlite (p50). ``--pin CPU``
runs every thread on one CPU: on a small VM, waking a driver thread on the other CPU
costs more than the query, and which connection's thread lands where is chance.
With ``--postgres URL`` the same is measured on PostgreSQL against bare asyncpg.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from crm_core.db.migrate import upgrade
from crm_core.io.bulk import bulk_phone, seed_bulk
from crm_core.members.models import Member
from crm_core.wiring import Crm, build_crm

ROOT = Path(__file__).resolve().parent.parent
LOOKUP_SQL = (
    "SELECT members.number, members.name, members.level, members.member_type "
    "FROM member_phones JOIN members ON members.id = member_phones.member_id "
    "WHERE member_phones.e164 = {} ORDER BY members.id"
)
P99_TARGET_US = 1000.0
OVERHEAD_TARGET = 2.0
WARM_UP = 2_000
console = Console(width=max(Console().width, 110))

Lookup = Callable[[str, str], Awaitable[Any]]  # (e164, raw caller number) → rows


async def member_count(crm: Crm) -> int:
    async with crm.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def load(crm: Crm, members: int, seed: int) -> None:
    with Progress(
        TextColumn("[bold]loading members"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("load", total=members)
        loaded = await seed_bulk(
            crm, members=members, seed=seed, progress=lambda d, t: bar.update(task, completed=d)
        )
    console.print(f"loaded {loaded.members:,} members in {loaded.seconds:.1f} s")


def caller_forms(e164: str, rng: random.Random) -> str:
    """The caller number as trunks present it: national, 00-international or +E.164."""
    national = e164.removeprefix("+86")
    return rng.choice((national, "0086" + national, e164, "86" + national))


def keys(members: int, count: int, rng: random.Random) -> list[tuple[str, str]]:
    sequences = rng.sample(range(1, members + 1), count)
    return [(bulk_phone(n), caller_forms(bulk_phone(n), rng)) for n in sequences]


async def measure(paths: dict[str, Lookup], lookups: list[tuple[str, str]]) -> dict[str, list[int]]:
    """Nanoseconds per call for each path, interleaved key by key in a shuffled order.

    The order is shuffled per key because what ran just before a call (a thread hop or
    a synchronous query) changes its latency by tens of microseconds on a VM.
    """
    names = list(paths)
    samples: dict[str, list[int]] = {name: [] for name in names}
    clock = time.perf_counter_ns
    shuffler = random.Random(len(lookups))
    gc.collect()
    for e164, raw in lookups:
        shuffler.shuffle(names)
        for name in names:
            lookup = paths[name]
            started = clock()
            rows = await lookup(e164, raw)
            samples[name].append(clock() - started)
            if len(rows) != 1:
                raise AssertionError(f"{name} found {len(rows)} members for {e164}")
    return samples


def percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000


def mark(passed: bool) -> str:
    return "[bold green]PASS[/]" if passed else "[bold red]MISS[/]"


def report(title: str, samples: dict[str, list[int]], bare: str, ours: list[str]) -> bool:
    stats = {
        name: (percentile(v, 0.5), percentile(v, 0.99), statistics.fmean(v) / 1000)
        for name, v in samples.items()
    }
    table = Table(title=title, title_style="bold", caption=f"× = relative to {bare}")
    for column in ("path", "p50 µs", "p99 µs", "mean µs", "p50 ×", "p99 ×"):
        table.add_column(column, justify="left" if column == "path" else "right", no_wrap=True)
    table.add_column("p99 < 1 ms", no_wrap=True)
    table.add_column("p50 < 2×", no_wrap=True)
    ok = True
    for name, (p50, p99, mean) in stats.items():
        ratio50, ratio99 = p50 / stats[bare][0], p99 / stats[bare][1]
        verdicts = ["", ""]
        if name in ours:
            fast, lean = p99 < P99_TARGET_US, ratio50 < OVERHEAD_TARGET
            ok = ok and fast and lean
            verdicts = [mark(fast), mark(lean)]
        table.add_row(
            name, f"{p50:,.0f}", f"{p99:,.0f}", f"{mean:,.0f}", f"{ratio50:.2f}×",
            f"{ratio99:.2f}×", *verdicts,
        )  # fmt: skip
    console.print(table)
    return ok


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def bench_sqlite(args: argparse.Namespace, path: Path) -> bool:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    crm = build_crm(database_url=url)
    try:
        existing = await member_count(crm)
        if existing != args.members:
            if existing:
                await crm.close()
                await asyncio.to_thread(remove_sqlite, path)
                console.print(f"{path} held {existing:,} members: rebuilt")
                await upgrade(url)
                crm = build_crm(database_url=url)
            await load(crm, args.members, args.seed)
        else:
            console.print(f"reusing {path} ({existing:,} members)")
        bare_async = await aiosqlite.connect(str(path))
        bare_sync = sqlite3.connect(str(path))
        sql = LOOKUP_SQL.format("?")

        async def ours_e164(e164: str, raw: str) -> Any:
            return await crm.directory.lookup_e164(e164)

        async def ours_raw(e164: str, raw: str) -> Any:
            return await crm.directory.lookup(raw)

        async def aiosqlite_raw(e164: str, raw: str) -> Any:
            return await bare_async.execute_fetchall(sql, (e164,))

        async def sqlite3_sync(e164: str, raw: str) -> Any:
            return bare_sync.execute(sql, (e164,)).fetchall()

        paths: dict[str, Lookup] = {
            "ours lookup_e164": ours_e164,
            "ours lookup(raw)": ours_raw,
            "bare aiosqlite": aiosqlite_raw,
            "bare sqlite3 sync": sqlite3_sync,
        }
        rng = random.Random(args.seed)
        try:
            await measure(paths, keys(args.members, min(WARM_UP, args.members), rng))
            samples = await measure(paths, keys(args.members, args.lookups, rng))
        finally:
            await bare_async.close()
            bare_sync.close()
    finally:
        await crm.close()
    pinned = f" · pinned to CPU {args.pin}" if args.pin is not None else ""
    title = f"SQLite · {args.members:,} members · {args.lookups:,} lookups per path{pinned}"
    return report(title, samples, "bare aiosqlite", ["ours lookup_e164", "ours lookup(raw)"])


async def bench_postgres(args: argparse.Namespace) -> bool:
    url = args.postgres
    await upgrade(url)
    crm = build_crm(database_url=url)
    try:
        existing = await member_count(crm)
        if existing == 0:
            await load(crm, args.members, args.seed)
        elif existing != args.members:
            console.print(
                f"[red]{url} holds {existing:,} members: give an empty database or one this "
                f"bench loaded with --members {existing}[/]"
            )
            return False
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        bare = await asyncpg.connect(dsn)
        sql = LOOKUP_SQL.format("$1")

        async def ours_e164(e164: str, raw: str) -> Any:
            return await crm.directory.lookup_e164(e164)

        async def ours_raw(e164: str, raw: str) -> Any:
            return await crm.directory.lookup(raw)

        async def asyncpg_raw(e164: str, raw: str) -> Any:
            return await bare.fetch(sql, e164)

        paths: dict[str, Lookup] = {
            "ours lookup_e164": ours_e164,
            "ours lookup(raw)": ours_raw,
            "bare asyncpg": asyncpg_raw,
        }
        rng = random.Random(args.seed + 1)
        try:
            await measure(paths, keys(args.members, min(WARM_UP, args.members), rng))
            samples = await measure(paths, keys(args.members, args.lookups, rng))
        finally:
            await bare.close()
    finally:
        await crm.close()
    title = f"PostgreSQL · {args.members:,} members · {args.lookups:,} lookups per path"
    return report(title, samples, "bare asyncpg", ["ours lookup_e164", "ours lookup(raw)"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--db", help="SQLite file (default var/bench/lookup-N.db, reused)")
    parser.add_argument("--postgres", metavar="URL", help="also measure this PostgreSQL database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pin", type=int, metavar="CPU", help="run every thread on this one CPU (see README)"
    )
    args = parser.parse_args()
    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    if not 1 <= args.lookups <= args.members:
        parser.error("--lookups must be between 1 and --members")
    path = Path(args.db or ROOT / "var" / "bench" / f"lookup-{args.members}.db").resolve()
    asyncio.run(bench_sqlite(args, path))
    if args.postgres:
        asyncio.run(bench_postgres(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
