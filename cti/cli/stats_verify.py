"""``ctidesk stats verify``: Asterisk's own counters beside the same counters recomputed
from its queue_log; and reading a queue_log file whole, malformed lines listed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cti.ami import Action, AmiClient, AmiError, AmiMessage
from cti.cli.common import app_context, console, fail
from cti.kpi import QueueLogError, parse_line
from cti.kpi.asterisk_counters import AsteriskCounters, asterisk_counters
from cti.kpi.queue_log import QueueLogLine
from cti.settings import AmiSettings


@dataclass(frozen=True)
class Malformed:
    """A line of a file that could not be read, and why."""

    line_no: int
    reason: str
    text: str


def read_queue_log(path: Path) -> tuple[list[QueueLogLine], list[Malformed]]:
    """Every line of ``path`` parsed, and the malformed ones with their line numbers."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(f"cannot read {escape(str(path))}: {escape(str(error))}")
    lines, bad = [], []
    for number, chunk in enumerate(raw.splitlines(), start=1):
        try:
            text = chunk.decode("utf-8")
            lines.append(parse_line(text))
        except UnicodeDecodeError:
            bad.append(Malformed(number, "not UTF-8", repr(chunk[:80])))
        except QueueLogError as error:
            bad.append(Malformed(number, str(error), chunk[:80].decode("utf-8", "replace")))
    return lines, bad


@dataclass(frozen=True)
class Compared:
    """One queue's counter as Asterisk reports it and as its queue_log gives it."""

    queue: str
    counter: str
    asterisk: float
    queue_log: float

    @property
    def difference(self) -> float:
        """queue_log − Asterisk (0 when they agree)."""
        return round(self.queue_log - self.asterisk, 2)


async def _queue_params(settings: AmiSettings) -> list[AmiMessage]:
    client = AmiClient(settings)
    await client.start()
    try:
        await client.wait_online(within=settings.connect_timeout)
        listed = await client.send_list(Action("QueueStatus"))
    finally:
        await client.stop()
    return [event for event in listed.events if event.get("Event") == "QueueParams"]


def compare(params: list[AmiMessage], lines: list[QueueLogLine]) -> list[Compared]:
    """Asterisk's ``QueueParams`` beside the same counters recomputed from ``lines``."""
    levels = {p["Queue"]: int(p.get("ServiceLevel") or 0) for p in params}
    ours = asterisk_counters(lines, lambda queue: levels.get(queue, 0))
    rows = []
    for param in params:
        queue = param["Queue"]
        mine = ours.get(queue, AsteriskCounters(queue, 0, 0, 0, 0))
        for counter, theirs, recomputed in (
            ("Completed", float(param.get("Completed") or 0), mine.completed),
            ("Abandoned", float(param.get("Abandoned") or 0), mine.abandoned),
            ("ServicelevelPerf", float(param.get("ServicelevelPerf") or 0), mine.sl_perf),
            ("ServicelevelPerf2", float(param.get("ServicelevelPerf2") or 0), mine.sl_perf2),
        ):
            rows.append(Compared(queue, counter, theirs, round(recomputed, 1)))
    return rows


def verify(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", help="queue_log file (default: [stats] queue_log).")
    ] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Only this queue.")] = None,
) -> None:
    """Recompute Asterisk's own counters (QueueParams) from its queue_log since it last
    started, and print both and the difference (Asterisk's definitions, not ours)."""
    settings = app_context(ctx).settings
    path = file or (Path(settings.stats.queue_log) if settings.stats.queue_log else None)
    if path is None:
        fail("no queue_log: give --file or set [stats] queue_log")
    lines, bad = read_queue_log(path)
    if bad:
        console.print(f"{len(bad)} malformed lines left out (first at line {bad[0].line_no})")
    try:
        params = asyncio.run(_queue_params(settings.ami))
    except (AmiError, TimeoutError, OSError) as error:
        fail(f"cannot ask Asterisk: {escape(str(error))}")
    rows = [row for row in compare(params, lines) if queue is None or row.queue == queue]
    table = Table("queue", "counter", "Asterisk", "queue_log", "difference",
                  title="Asterisk's counters since it started")  # fmt: skip
    for row in rows:
        gap = "0" if not row.difference else f"[bold red]{row.difference:+g}[/]"
        table.add_row(
            escape(row.queue), row.counter, f"{row.asterisk:g}", f"{row.queue_log:g}", gap
        )
    console.print(table)
    differing = sum(1 for row in rows if row.difference)
    console.print("no difference" if not differing else f"{differing} counters differ")


__all__ = ["Compared", "Malformed", "compare", "read_queue_log", "verify"]
