"""How fast queue_log lines become stints and stored lines, and a month's report.

Generates a queue_log of ``--calls`` calls (about five lines each: ENTERQUEUE, CONNECT,
COMPLETE*, member pauses; a fifth of the calls abandoned or timed out) spread over 30
days, then measures, side by side in one run:

- a plain single pass over the file (read, split each line on ``|``): the floor;
- ``cti.kpi`` line by line: each line parsed (``parse_line``) and fed to a ``StintBook``;
- ``cti.kpi.ingest``: the file read in blocks, cut with ``str.split`` and checked as
  ``parse_line`` checks, only the stint lines made into stints: the ingest's reading
  cost; target ≥ 200,000 lines/s;
- the store: the lines into a fresh SQLite ``queue_log`` table with their calls' stints
  rebuilt in the same transaction (``QueueLogStore.add(..., rebuild=...)``);
- a month's queue report by 30 minutes (``queue_figures``) over the stints in memory;
- the stints stored (``queue_stints``, what the rebuild writes) with their totals per
  queue and quarter hour (``queue_slot_totals``), and the same month's report from them
  (``queue_report``); target under 2 s.

Prints lines/s and the ratio of each stage to the plain pass.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from crm_core.db.migrate import upgrade
from crm_core.queue_log import totals
from crm_core.queue_log.models import QueueStint
from crm_core.queue_log.services import LogLine
from crm_core.queue_log.stints import SLOT
from crm_core.wiring import build_crm
from cti.kpi import Interval, QueueRules, Stint, StintBook, parse_line, queue_figures
from cti.kpi.ingest import feed_block
from cti.statistics.reports import Window, queue_report
from cti.statistics.stored import rebuild_stints

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


def block_pass(path: Path) -> StintBook:
    """The ingest's reader: whole blocks of lines through ``cti.kpi.ingest``."""
    book = StintBook()
    with path.open(encoding="utf-8") as file:
        while block := file.read(8 << 20):
            feed_block(book, block + file.readline())  # up to the end of its last line
    return book


def stint_row(stint: Stint) -> dict[str, object]:
    """A stint as the rebuild stores it (no wrap-up lines in the generated log)."""
    return {
        "server": "bench", "call_id": stint.call_id, "queue": stint.queue,
        "entered_at": stint.entered_at, "slot": int(stint.entered_at // SLOT),
        "outcome": stint.outcome.value if stint.outcome else None, "blocked": None,
        "wait": stint.wait, "talk": stint.talk, "wrapup": 0, "agent": stint.agent,
        "transferred": stint.transferred, "inferred": stint.inferred,
    }  # fmt: skip


async def stored_report(stints: list[Stint]) -> tuple[float, float, int]:
    """Seconds to store ``stints`` (and their quarter-hour totals) in a fresh SQLite
    database, seconds of the month's report by 30 minutes from them, and its rows."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await upgrade(url)
        crm = build_crm(database_url=url)
        try:
            began = time.perf_counter()
            for start in range(0, len(stints), 50_000):
                rows = [stint_row(s) for s in stints[start : start + 50_000]]

                def work(session: Session, rows: list[dict[str, object]] = rows) -> None:
                    session.execute(insert(QueueStint), rows)

                await crm.db.run_write(work)
            slots = {int(s.entered_at // SLOT) for s in stints}
            await crm.db.run_write(lambda session: totals.refresh(session, slots))
            storing = time.perf_counter() - began
            window = Window(date(2026, 11, 1), date(2026, 12, 1), ZoneInfo("Asia/Shanghai"))
            # The bench holds millions of objects (the stints, the book) that a report
            # process does not have: set them aside from the garbage collector, as the
            # service does with what it built at start (gc.freeze in cti/service.py).
            gc.collect()
            gc.freeze()
            began = time.perf_counter()
            report = await queue_report(crm, window, Interval.MIN30, lambda _q: QueueRules())
            seconds = time.perf_counter() - began
            gc.unfreeze()
            return storing, seconds, len(report.rows)
        finally:
            await crm.close()


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
            await crm.queue_log.add("bench", lines, rebuild=rebuild_stints)
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
        slow_book, parsed = timed(kpi_pass, path)
        book, blocks = timed(block_pass, path)
        assert book.stints == slow_book.stints, "the block reader disagrees with parse_line"
        del slow_book
        stored_lines = min(args.store_lines, lines)
        storing = asyncio.run(store(path, stored_lines))
        zone = ZoneInfo("Asia/Shanghai")
        rows, report = timed(
            lambda: queue_figures(book.stints, book.blocked, interval=Interval.MIN30, zone=zone)
        )
        stints_in, from_stints, stored_rows = asyncio.run(stored_report(book.stints))
    print(f"{lines:,} lines, {len(book.stints):,} stints, {len(rows):,} report rows "
          f"({stored_rows:,} from the stored stints)")  # fmt: skip
    print(f"{'stage':<40}{'seconds':>10}{'lines/s':>14}{'× plain':>10}")
    for name, seconds, count in (
        ("plain pass (read + split)", plain, lines),
        ("parse + stints, line by line", parsed, lines),
        ("parse + stints, blocks (cti.kpi.ingest)", blocks, lines),
        (f"store {stored_lines:,} lines + stints", storing, stored_lines),
    ):
        ratio = (seconds / count) / (plain / lines)
        print(f"{name:<40}{seconds:>10.2f}{count / seconds:>14,.0f}{ratio:>10.1f}")
    ratio = report / plain
    print(f"{'month report by 30 min, in memory':<40}{report:>10.2f}{'':>14}{ratio:>10.1f}")
    print(f"{f'store {len(book.stints):,} stints':<40}{stints_in:>10.2f}")
    ratio = from_stints / plain
    print(
        f"{'month report by 30 min, stored stints':<40}{from_stints:>10.2f}{'':>14}{ratio:>10.1f}"
    )
    verdict = "PASS" if lines / blocks >= 200_000 else "MISS"
    print(f"ingest (blocks) ≥ 200,000 lines/s: {verdict}")
    print(f"month report from stored stints < 2 s: {'PASS' if from_stints < 2 else 'MISS'}")


if __name__ == "__main__":
    main()
