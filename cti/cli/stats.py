"""``ctidesk stats``: load Asterisk's queue_log and report queues and agents from it.

The figures follow docs/statistics.md (``cti.kpi``): the same definitions as the
wall-board's, recomputed from the stored lines, so any report can be redone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crm_core.queue_log.services import LogLine, StoreResult
from crm_core.wiring import Crm
from cti.cli.common import app_context, console, fail, run_with_crm
from cti.cli.stats_export import ExportError, export
from cti.cli.stats_verify import read_queue_log, verify
from cti.kpi import (
    Interval,
    QueueRules,
)
from cti.kpi.queue_log import QueueLogLine
from cti.statistics.lines import stored
from cti.statistics.reports import (
    AGENT_FIELDS,
    CALL_FIELDS,
    QUEUE_FIELDS,
    ReportError,
    Window,
    agent_report,
    call_report,
    queue_report,
)
from cti.statistics.stored import rebuild_stints

app = typer.Typer(
    help="Statistics from Asterisk's queue_log: import, queues, agents, calls, verify.",
    no_args_is_help=True,
)


@app.command("import")
def import_files(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="queue_log files as Asterisk writes them.")],
    server: Annotated[
        str, typer.Option("--server", help="The Asterisk server the lines come from.")
    ] = "asterisk",
    skip_malformed: Annotated[
        bool, typer.Option("--skip-malformed", help="Load a file's good lines despite bad ones.")
    ] = False,
) -> None:
    """Load queue_log files: lines already stored are skipped; a file with malformed
    lines is refused whole (they are listed) unless --skip-malformed."""
    for path in files:
        lines, bad = read_queue_log(path)
        for problem in bad:
            console.print(
                f"{escape(str(path))}:{problem.line_no}: {escape(problem.reason)}: "
                f"{escape(problem.text)}"
            )
        if bad and not skip_malformed:
            fail(f"{escape(str(path))}: {len(bad)} malformed lines: nothing of it was loaded")
        result = run_with_crm(ctx, _storing(server, lines))
        console.print(
            f"{escape(str(path))}: {result.added:,} lines stored, "
            f"{result.already_stored:,} already there, {len(bad):,} malformed"
        )


@app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    server: Annotated[
        str, typer.Option("--server", help="The Asterisk server whose stints to rebuild.")
    ] = "asterisk",
) -> None:
    """Recompute the stored stints of a server from its stored lines (after an upgrade
    that stored lines before stints were kept, or a change of definitions)."""
    calls = run_with_crm(ctx, lambda crm: crm.queue_log.stints.rebuild_all(server, rebuild_stints))
    console.print(f"{escape(server)}: the stints of {calls:,} calls rebuilt")


def _storing(server: str, lines: Sequence[QueueLogLine]) -> Callable[[Crm], Awaitable[StoreResult]]:
    """The work of storing one file's ``lines``."""
    return lambda crm: _store(crm, server, lines)


async def _store(crm: Crm, server: str, lines: Sequence[QueueLogLine]) -> StoreResult:
    with Progress(
        TextColumn("storing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("lines", total=len(lines))

        def stream() -> Iterator[LogLine]:
            for number, line in enumerate(lines, start=1):
                if number % 5000 == 0:
                    progress.update(task, completed=number)
                yield stored(line, line.as_text())

        return await crm.queue_log.add(server, stream(), rebuild=rebuild_stints)


Day = Annotated[str, typer.Option(help="First day (YYYY-MM-DD), in the report's zone.")]
Interval_ = Annotated[Interval, typer.Option("--interval", help="Period of each row.")]
Format = Annotated[str, typer.Option("--format", help="table, csv, json or xlsx (--output).")]


def _window(start: str, end: str | None, zone: ZoneInfo) -> Window:
    try:
        first = date.fromisoformat(start)
        last = date.fromisoformat(end) if end else first
        return Window(first, last, zone)
    except ReportError as error:
        fail(f"--{error.field}: {escape(str(error))}")
    except ValueError as error:
        fail(f"--from/--to: {escape(str(error))}")


def _zone(name: str | None, ctx: typer.Context) -> ZoneInfo:
    try:
        return ZoneInfo(name or app_context(ctx).settings.ivr.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--zone: unknown time zone {escape(repr(name))}")


def _emit(
    rows: Sequence[Any], fields: Sequence[str], output_format: str, output: Path | None, title: str
) -> None:
    """Print or write the report's rows (``asdict`` of each) in ``output_format``."""
    try:
        export([asdict(row) for row in rows], fields, output_format=output_format,
               output=output, title=title, console=console)  # fmt: skip
    except ExportError as error:
        fail(f"--{error.option}: {escape(str(error))}")
    except OSError as error:
        fail(f"--output: cannot write {escape(str(output))}: {escape(str(error))}")


WIDE = 110
"""Terminal columns from which the queue table shows a volume bar."""


def _period(start: datetime, interval: Interval) -> str:
    """A period's start as short as its length allows."""
    if interval in (Interval.DAY, Interval.WEEK):
        return start.strftime("%Y-%m-%d")
    if interval is Interval.MONTH:
        return start.strftime("%Y-%m")
    return start.strftime("%m-%d %H:%M")


def _bar(value: int, most: int, width: int = 20) -> str:
    return "█" * round(width * value / most) if most else ""


@app.command("queues")
def queues(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: --from).")] = None,
    interval: Interval_ = Interval.HOUR,
    queue: Annotated[str | None, typer.Option("--queue", help="Only this queue.")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Time zone of the days.")] = None,
    short_abandon: Annotated[
        int | None, typer.Option("--short-abandon", help="Abandons under S seconds are short.")
    ] = None,
    output_format: Format = "table",
    output: Annotated[Path | None, typer.Option("--output", help="Write to a file.")] = None,
) -> None:
    """Each queue's figures per period: offered, answered, abandoned…, SL %, ASA, AHT."""
    window = _window(start, end, _zone(zone, ctx))
    telephony = app_context(ctx).settings.telephony

    def rules(name: str) -> QueueRules:
        level = telephony.service_level.get(name, telephony.service_level_seconds)
        return QueueRules(service_level=level, short_abandon=short_abandon)

    figures = run_with_crm(ctx, lambda crm: queue_report(crm, window, interval, rules, queue)).rows
    if output_format != "table":
        _emit(figures, QUEUE_FIELDS, output_format, output, "queues")
        return
    wide = console.width >= WIDE  # the volume bar only where it does not squeeze the figures
    headers = ["queue", "period", "offered", *(["volume"] if wide else []), "answd", "aband",
               "other", "SL %", "ASA", "max w", "AHT"]  # fmt: skip
    table = Table(title="Queues", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for number, header in enumerate(headers):
        table.add_column(header, no_wrap=True, justify="left" if number < 2 else "right")
    most = max((row.offered for row in figures), default=0)
    for row in figures:
        others = row.offered - row.answered - row.abandoned
        table.add_row(
            escape(row.queue), _period(row.start, interval), str(row.offered),
            *([_bar(row.offered, most)] if wide else []), str(row.answered),
            str(row.abandoned), str(others),
            "—" if row.sl_pct is None else f"{row.sl_pct:.1f}",
            "—" if row.asa_s is None else f"{row.asa_s:.1f}",
            "—" if row.max_wait_s is None else str(row.max_wait_s),
            "—" if row.aht_s is None else f"{row.aht_s:.0f}",
        )  # fmt: skip
    console.print(table)


@app.command("agents")
def agents(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: --from).")] = None,
    interval: Interval_ = Interval.DAY,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent.")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Time zone of the days.")] = None,
    output_format: Format = "table",
    output: Annotated[Path | None, typer.Option("--output", help="Write to a file.")] = None,
) -> None:
    """Each agent's figures per period: calls, talk, wrap-up, pause, login, occupancy."""
    window = _window(start, end, _zone(zone, ctx))
    figures = run_with_crm(ctx, lambda crm: agent_report(crm, window, interval, agent)).rows
    if output_format != "table":
        _emit(figures, AGENT_FIELDS, output_format, output, "agents")
        return
    table = Table(title="Agents", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for number, header in enumerate(
        ("agent", "period", "calls", "talk s", "wrap-up s", "paused s", "login s", "occup %")
    ):
        table.add_column(header, no_wrap=True, justify="left" if number < 2 else "right")
    for row in figures:
        table.add_row(
            escape(row.agent), _period(row.start, interval), str(row.answered),
            str(row.talk_s), f"{row.wrapup_s:.0f}", f"{row.pause_s:.0f}", f"{row.login_s:.0f}",
            "—" if row.occupancy_pct is None else f"{row.occupancy_pct:.1f}",
        )  # fmt: skip
    console.print(table)


@app.command("calls")
def calls(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str | None, typer.Option("--to", help="Last day (default: --from).")] = None,
    interval: Interval_ = Interval.HOUR,
    queue: Annotated[str | None, typer.Option("--queue", help="Calls that visited it.")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Time zone of the days.")] = None,
    output_format: Format = "table",
    output: Annotated[Path | None, typer.Option("--output", help="Write to a file.")] = None,
) -> None:
    """The caller view per period: each call once across the queues it visited, answered
    if its last queue answered it."""
    window = _window(start, end, _zone(zone, ctx))
    figures = run_with_crm(ctx, lambda crm: call_report(crm, window, interval, queue)).rows
    if output_format != "table":
        _emit(figures, CALL_FIELDS, output_format, output, "calls")
        return
    table = Table(title="Calls", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for number, header in enumerate(
        ("period", "calls", "answd", "aband", "t/out", "other", "moved", "ans %", "ASA", "max w")
    ):
        table.add_column(header, no_wrap=True, justify="left" if number < 1 else "right")
    for row in figures:
        others = row.calls - row.answered - row.abandoned - row.timed_out - row.waiting
        table.add_row(
            _period(row.start, interval), str(row.calls), str(row.answered), str(row.abandoned),
            str(row.timed_out), str(others), str(row.moved),
            "—" if row.answer_pct is None else f"{row.answer_pct:.1f}",
            "—" if row.asa_s is None else f"{row.asa_s:.1f}",
            "—" if row.max_wait_s is None else str(row.max_wait_s),
        )  # fmt: skip
    console.print(table)


app.command("verify")(verify)

__all__ = ["app"]
