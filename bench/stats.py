"""How fast queue_log lines become stints and stored lines, and a month's report.

Generates a queue_log of ``--calls`` calls (about five lines each: ENTERQUEUE, CONNECT,
COMPLETE*, member pauses; a fifth of the calls abandoned or timed out) spread over 30
days, then measures, side by side in one run:

- a plain single pass over the file (read, split each line on ``|``): the floor;
- ``cti.kpi``: each line parsed (``parse_line``) and fed to a ``StintBook``: the ingest's
  reading cost; target ≥ 200,000 lines/s;
- the store: the lines into a fresh SQLite ``queue_log`` table (``QueueLogStore.add``);
- a month's queue report by 30 minutes (``queue_figures``) over the stints in memory;
  target under 2 s.

Prints lines/s and the ratio of each stage to the plain pass.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from crm_core.db.migrate import upgrade
from crm_core.queue_log.services import LogLine
from crm_core.wiring import build_crm
from cti.kpi import Interval, StintBook, parse_line, queue_figures

START = 1_793_491_200  # 2026-11-01 00:00 UTC
QUEUES = ("hotline", "vip", "pc-digital", "large-equipment")


def generate(calls: int, seed: int) -> Iterator[str]:
    """queue_log lines of ``calls`` calls over 30 days, in time order per call."""
    rng = random.Random(seed)
    span = 30 * 86400
    for n in range(calls):
        at = START + n * span // calls
        call, queue = f"{at}.{n}", rng.choice(QUEUES)
        agent = f"Agent {rng.randrange(100)}"
        yield f"{at}|{call}|{queue}|NONE|ENTERQUEUE||138{n:08d}|1"
        wait = int(rng.expovariate(1 / 20))
        roll = rng.random()
        if roll < 0.15:
            yield f"{at + wait}|{call}|{queue}|NONE|ABANDON|1|1|{wait}"
        elif roll < 0.2:
            yield f"{at + 300}|{call}|{queue}|NONE|EXITWITHTIMEOUT|1|1|300"
        else:
            talk = int(rng.expovariate(1 / 180))
            yield f"{at + wait}|{call}|{queue}|{agent}|CONNECT|{wait}|{call}1|2"
            yield f"{at + wait + talk}|{call}|{queue}|{agent}|COMPLETECALLER|{wait}|{talk}|1"
            yield f"{at + wait + talk}|NONE|{queue}|{agent}|PAUSE|wrap-up"
            yield f"{at + wait + talk + 15}|NONE|{queue}|{agent}|UNPAUSE|"


def plain_pass(path: Path) -> int:
    """The floor: read the file and split every line."""
    count = 0
    with path.open(encoding="utf-8") as file:
        for text in file:
            text.rstrip("\n").split("|")
            count += 1
    return count


def kpi_pass(path: Path) -> StintBook:
    """Parse every line and follow the stints."""
    book = StintBook()
    with path.open(encoding="utf-8") as file:
        for text in file:
            book.feed(parse_line(text.rstrip("\n")))
    return book


async def store(path: Path, limit: int) -> float:
    """Seconds to store the first ``limit`` lines in a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade(url)
        crm = build_crm(database_url=url)
        try:
            with path.open(encoding="utf-8") as file:
                lines = []
                for text, _ in zip(file, range(limit), strict=False):
                    line = parse_line(text.rstrip("\n"))
                    data = "|".join(line.data)
                    fields = (line.time, line.call_id, line.queue, line.agent, line.event)
                    lines.append(LogLine(*fields, data, line.as_text()))
            began = time.perf_counter()
            await crm.queue_log.add("bench", lines)
            return time.perf_counter() - began
        finally:
            await crm.close()


def timed(work, *args):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = work(*args)
    return result, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--store-lines", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "queue_log"
        began = time.perf_counter()
        with path.open("w", encoding="utf-8") as file:
            for text in generate(args.calls, args.seed):
                file.write(text + "\n")
        print(f"generated {args.calls:,} calls in {time.perf_counter() - began:.1f} s")
        lines, plain = timed(plain_pass, path)
        book, parsed = timed(kpi_pass, path)
        stored_lines = min(args.store_lines, lines)
        storing = asyncio.run(store(path, stored_lines))
        zone = ZoneInfo("Asia/Shanghai")
        rows, report = timed(
            lambda: queue_figures(book.stints, book.blocked, interval=Interval.MIN30, zone=zone)
        )
    print(f"{lines:,} lines, {len(book.stints):,} stints, {len(rows):,} report rows")
    print(f"{'stage':<34}{'seconds':>10}{'lines/s':>14}{'× plain':>10}")
    for name, seconds, count in (
        ("plain pass (read + split)", plain, lines),
        ("parse + stints (cti.kpi)", parsed, lines),
        (f"store {stored_lines:,} lines (SQLite)", storing, stored_lines),
    ):
        ratio = (seconds / count) / (plain / lines)
        print(f"{name:<34}{seconds:>10.2f}{count / seconds:>14,.0f}{ratio:>10.1f}")
    print(f"{'month report by 30 min':<34}{report:>10.2f}")
    verdict = "PASS" if lines / parsed >= 200_000 else "MISS"
    print(f"parse + stints ≥ 200,000 lines/s: {verdict}")
    print(f"month report < 2 s: {'PASS' if report < 2 else 'MISS'}")


if __name__ == "__main__":
    main()
