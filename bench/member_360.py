"""The member 360° view among 1,000,000 members: latency and statements, in one run.

    .venv/bin/python bench/member_360.py [--members 1000000] [--views 2000] [--db PATH]

Builds (or reuses) a SQLite database of N bulk members, gives one member a full history
— 200 calls, 50 service requests, 500 points ledger entries, orders, a card, assets and
a survey — through the real services, then reads that member's 360° view repeatedly:

- ours: ``Member360Service.view`` (one hop to the reader thread, one snapshot);
- bare: the same statements run by ``read_in`` on a sqlite3 connection in the calling
  thread — the floor that any async service adds its hop to.

Prints p50/p99/mean per path, ours ÷ bare, and how many statements one view issues for
the full member and for a member with no history (the count must not grow with rows).
Targets: ours p99 < 5 ms; statements a small constant.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from crm_core.db.migrate import upgrade
from crm_core.db.statements import StatementRunner
from crm_core.io.bulk import member_number, seed_bulk
from crm_core.members.models import Member
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm, build_crm

ROOT = Path(__file__).resolve().parent.parent
P99_TARGET_MS = 5.0
MAX_STATEMENTS = 16
CALLS, REQUESTS, LEDGER_ENTRIES = 200, 50, 500
console = Console(width=max(Console().width, 100))


async def ensure_members(crm: Crm, members: int) -> None:
    async with crm.db.read() as session:
        count = int(await session.scalar(select(func.count()).select_from(Member)) or 0)
    if count == 0:
        console.print(f"loading {members:,} members …")
        loaded = await seed_bulk(crm, members=members, seed=360)
        console.print(f"loaded in {loaded.seconds:.1f} s")
    elif count < members:
        sys.exit(f"{crm.db.url} holds {count:,} members, not {members:,}: use another --db")


async def give_history(crm: Crm, number: str, now: datetime) -> None:
    """The busy member: everything the 360° view shows, through the services."""
    if (await crm.member360.view(number)).last_calls:
        return  # given on an earlier run
    console.print(f"giving {number} {CALLS} calls, {REQUESTS} requests, "
                  f"{LEDGER_ENTRIES} ledger entries …")  # fmt: skip
    await crm.users.add({"login": "bench.agent", "display_name": "Bench", "role": "agent"})
    await crm.users.add({"login": "bench.sup", "display_name": "Sup", "role": "supervisor"})
    await crm.service_desk.setup.add_queue(
        {"name": "general", "display_name": "General agents"}, actor="bench.sup"
    )
    for i in range(CALLS):
        start = now - timedelta(hours=CALLS - i)
        await crm.calls.record({
            "linked_id": f"bench.{i}", "direction": "inbound", "caller": "13800000000",
            "queue": "general", "agent_login": "bench.agent", "member_number": number,
            "started_at": start, "answered_at": start + timedelta(seconds=15),
            "ended_at": start + timedelta(minutes=4), "talk_seconds": 225,
        })  # fmt: skip
    for i in range(REQUESTS):
        request = await crm.service_desk.requests.open(
            {"subject": f"请求 {i}", "request_type": "enquiry", "member_number": number,
             "queue": "general"},
            actor="bench.agent",
        )  # fmt: skip
        if i % 2:
            await crm.service_desk.requests.cancel(request.number, reason="done", actor="bench.sup")
    for i in range(LEDGER_ENTRIES // 2):
        await crm.points.gift(number, 100, reason="bench", operator="bench.sup",
                              idempotency_key=f"bench-g-{i}")  # fmt: skip
        await crm.points.redeem(number, 50, item="mug", operator="bench.agent",
                                idempotency_key=f"bench-r-{i}")  # fmt: skip
    for i in range(10):
        await crm.orders.record({
            "order_ref": f"BENCH-{i}", "member_number": number, "ordered_at": now,
            "lines": [{"product_code": "P", "product_name": "GPS", "category": "auto",
                       "quantity": 1, "amount": "899"}],
        }, operator="pos")  # fmt: skip
    await crm.cards.issue("BENCH-CARD", "0A0B0C0D", actor="desk")
    await crm.cards.bind("BENCH-CARD", number, actor="desk")
    for i in range(3):
        await crm.service_desk.assets.register(
            number, {"product_code": f"P{i}", "product_name": "GPS", "serial": f"S{i}"},
            actor="bench.agent",
        )  # fmt: skip
    survey = await ensure_phone_service_evaluation(crm.questionnaires)
    await crm.survey_responses.submit({
        "questionnaire": survey.code, "channel": "ivr", "member_number": number,
        "answers": [{"question_id": q.id, "keypad": "1"} for q in survey.questions],
    })  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--views", type=int, default=2_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    path = args.db or ROOT / "var" / "bench" / f"member360-{args.members}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    lookup_db = ROOT / "var" / "bench" / f"lookup-{args.members}.db"
    if not path.exists() and lookup_db.exists():
        console.print(f"starting from a copy of {lookup_db.name}")
        shutil.copyfile(lookup_db, path)
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    crm = build_crm(database_url=url)
    try:
        await ensure_members(crm, args.members)
        busy, idle = member_number(args.members // 2), member_number(args.members // 3)
        await give_history(crm, busy, datetime.now(UTC))
        view = await crm.member360.view(busy)
        console.print(
            f"{busy}: {len(view.last_calls)} last calls, {len(view.open_requests)} open "
            f"requests, {len(view.last_orders)} orders, points valid {view.points.valid:,}, "
            f"last survey {view.last_survey.score if view.last_survey else None}"
        )
        bare = sqlite3.connect(path, isolation_level=None)

        def bare_view(number: str) -> StatementRunner:
            bare.execute("BEGIN")
            run = StatementRunner(driver=bare)
            crm.member360.read_in(run, number)
            bare.execute("ROLLBACK")
            return run

        statements_busy = bare_view(busy).statements
        statements_idle = bare_view(idle).statements
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(200):  # warm-up
            await crm.member360.view(busy)
            bare_view(busy)
        gc.collect()
        for _ in range(args.views):
            started = time.perf_counter_ns()
            await crm.member360.view(busy)
            ours.append((time.perf_counter_ns() - started) / 1e6)
            started = time.perf_counter_ns()
            bare_view(busy)
            floor.append((time.perf_counter_ns() - started) / 1e6)
        bare.close()
    finally:
        await crm.close()

    table = Table(title=f"360° view · SQLite · {args.members:,} members · {args.views:,} views",
                  caption="× = relative to bare")  # fmt: skip
    for column in ("path", "p50 ms", "p99 ms", "mean ms", "p50 ×", "p99 ×", "p99 < 5 ms"):
        table.add_column(column, justify="left" if column == "path" else "right")
    rows = {"ours (Member360Service.view)": ours, "bare (same statements, sync)": floor}
    base = (percentile(floor, 0.5), percentile(floor, 0.99))
    ok = True
    for name, samples in rows.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        verdict = ""
        if name.startswith("ours"):
            ok = p99 < P99_TARGET_MS
            verdict = "[bold green]PASS[/]" if ok else "[bold red]MISS[/]"
        table.add_row(name, f"{p50:.2f}", f"{p99:.2f}", f"{statistics.fmean(samples):.2f}",
                      f"{p50 / base[0]:.2f}×", f"{p99 / base[1]:.2f}×", verdict)  # fmt: skip
    console.print(table)
    constant = statements_busy == statements_idle <= MAX_STATEMENTS
    console.print(
        f"statements per view: {statements_busy} for the busy member, {statements_idle} for "
        f"a member with no history — "
        + ("[bold green]constant PASS[/]" if constant else "[bold red]MISS[/]")
    )
    return 0 if ok and constant else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
