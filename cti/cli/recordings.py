"""``ctidesk recordings``: list, export, purge and legal holds of call recordings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from crm_core.recording_index.schemas import RecordingView
from crm_core.wiring import Crm
from cti.cli.common import app_context, console, fail, run_with_crm
from cti.recordings.plugin import archive_for
from recordings.archive import PurgeReport
from recordings.export import ExportReport, export_recordings

app = typer.Typer(help="Call recordings: list, export, purge, legal hold.", no_args_is_help=True)

AGE = re.compile(r"(\d{1,5})([dwh]?)")
UNITS = {"": "days", "d": "days", "w": "weeks", "h": "hours"}
Since = Annotated[
    datetime | None, typer.Option("--from", help="Started at or after (ISO date/time, UTC).")
]
Until = Annotated[datetime | None, typer.Option("--to", help="Started before (ISO, UTC).")]
QueueOpt = Annotated[str | None, typer.Option("--queue", help="Only this queue.")]
AgentOpt = Annotated[str | None, typer.Option("--agent", help="Only this agent (login).")]


def _utc(moment: datetime | None) -> datetime | None:
    """A time from the command line: naive means UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _filters(since: datetime | None, until: datetime | None, queue: str | None,
             agent: str | None) -> dict[str, Any]:  # fmt: skip
    return {"since": _utc(since), "until": _utc(until), "queue": queue, "agent_login": agent}


def parse_age(text: str) -> timedelta:
    """``90``, ``90d``, ``12w`` or ``48h`` as a time span."""
    match = AGE.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r}: use a number of days (90 or 90d), weeks (12w) or hours (48h)"
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def _row(recording: RecordingView) -> list[str]:
    hold = "[red]held[/]" if recording.legal_hold else ""
    return [
        str(recording.id), f"{recording.started_at:%Y-%m-%d %H:%M:%S}", recording.call_id,
        recording.queue or "", recording.agent_login or "", recording.member_number or "",
        f"{recording.duration_seconds:.1f}" if recording.duration_seconds is not None else "",
        recording.status.value, str(len(recording.pauses)), hold,
    ]  # fmt: skip


@app.command("list")
def list_recordings(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    queue: QueueOpt = None,
    agent: AgentOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many (1–1000).")] = 100,
) -> None:
    """Recordings, newest first."""
    found = run_with_crm(
        ctx,
        lambda crm: crm.recordings.search({**_filters(since, until, queue, agent), "limit": limit}),
    )
    table = Table("id", "started (UTC)", "call", "queue", "agent", "member", "seconds", "status",
                  "PCI pauses", "legal hold")  # fmt: skip
    for recording in found:
        table.add_row(*_row(recording))
    console.print(table)


@app.command("export")
def export(
    ctx: typer.Context,
    destination: Annotated[Path, typer.Argument(help="A directory, or a .tar.gz with --archive.")],
    since: Since = None,
    until: Until = None,
    queue: QueueOpt = None,
    agent: AgentOpt = None,
    archive: Annotated[bool, typer.Option("--archive", help="Write one .tar.gz file.")] = False,
) -> None:
    """Copy recordings (and a manifest.csv) to a directory or an archive."""
    if archive and destination.exists():
        fail(f"{destination} exists already; name a new archive file")
    settings = app_context(ctx).settings.recordings
    with Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("recordings"), console=console) as progress:  # fmt: skip
        task = progress.add_task("export", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        async def work(crm: Crm) -> ExportReport:
            return await export_recordings(
                archive_for(settings, crm), _filters(since, until, queue, agent), destination,
                as_archive=archive, progress=step,
            )  # fmt: skip

        report = run_with_crm(ctx, work)
    console.print(
        f"[green]exported {report.exported} recordings[/] ({report.total_bytes:,} bytes) "
        f"to {report.destination}"
    )
    if report.missing:
        ids = ", ".join(map(str, report.missing))
        console.print(
            f"[yellow]{len(report.missing)} files missing on disk[/] (ids {ids}; in manifest.csv)"
        )


@app.command("purge")
def purge(
    ctx: typer.Context,
    older_than: Annotated[str, typer.Option("--older-than", help="Age: 365 or 365d, 12w, 48h.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Delete recordings older than the age given; never one on legal hold."""
    age = parse_age(older_than)
    settings = app_context(ctx).settings.recordings

    async def work(crm: Crm) -> PurgeReport:
        return await archive_for(settings, crm).purge(age, dry_run=dry_run)

    report = run_with_crm(ctx, work)
    verb = "would delete" if report.dry_run else "deleted"
    console.print(
        f"[green]{verb} {len(report.deleted)} recordings[/] ({report.bytes_freed:,} bytes); "
        f"kept {report.kept_on_hold} on legal hold"
    )


@app.command("hold")
def hold(
    ctx: typer.Context,
    recording_id: int,
    reason: Annotated[str, typer.Option("--reason", help="Why it must be kept (case, order…).")],
) -> None:
    """Put a recording on legal hold: purges keep it until released."""
    view = run_with_crm(
        ctx, lambda crm: crm.recordings.set_legal_hold(recording_id, hold=True, reason=reason)
    )
    console.print(f"recording {view.id} is on legal hold: {view.legal_hold_reason}")


@app.command("release")
def release(ctx: typer.Context, recording_id: int) -> None:
    """Release a recording's legal hold."""
    view = run_with_crm(ctx, lambda crm: crm.recordings.set_legal_hold(recording_id, hold=False))
    console.print(f"recording {view.id} is no longer on legal hold")
