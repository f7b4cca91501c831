"""``ctidesk campaign``: define outbound campaigns, import their lists, run and watch them.

The dialer itself runs inside ``ctidesk serve``: ``start``, ``pause`` and ``stop`` change
the campaign's state in the database and every running service picks it up within
seconds (the one holding the campaign's lease dials).
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crm_core.campaigns.rates import DAY, MONTH, abandon_rate
from crm_core.campaigns.schemas import CampaignCounters, CampaignSpec, CampaignView, ImportReport
from crm_core.wiring import Crm
from cti.cli.common import app_context, console, fail, run_with_crm

app = typer.Typer(
    help="Outbound campaigns: create, import, start, pause, resume, stop, status, report.",
    no_args_is_help=True,
)

Actor = Annotated[str, typer.Option("--actor", "-a", help="Who does this (login).")]
Campaign = Annotated[str, typer.Argument(help="The campaign's name or id.")]


async def _campaign(crm: Crm, name_or_id: str) -> CampaignView:
    if name_or_id.isdigit():
        return await crm.campaigns.get(int(name_or_id))
    return await crm.campaigns.by_name(name_or_id)


def _read_definition(path: Path) -> CampaignSpec:
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        fail(f"cannot read {path}: {error}")
    try:
        return CampaignSpec(**raw)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        fail(f"{path}: {where}: {problem['msg']}")


@app.command("create")
def create(
    ctx: typer.Context,
    definition: Annotated[Path, typer.Argument(help="TOML file with the campaign's fields.")],
    actor: Actor,
) -> None:
    """Define a campaign from a TOML file (name, mode, queue, time_zone, windows…)."""
    spec = _read_definition(definition)
    campaign = run_with_crm(ctx, lambda crm: crm.campaigns.create(spec, by=actor))
    console.print(
        f"campaign [bold]{campaign.name}[/] (id {campaign.id}) created, {campaign.status}"
    )


@app.command("import")
def import_list(
    ctx: typer.Context,
    campaign: Campaign,
    csv_file: Annotated[Path, typer.Argument(help="CSV: phone, member or name, time_zone…")],
) -> None:
    """Add a CSV list's leads; every refused row is listed with its line and reason."""
    try:
        data = csv_file.read_bytes()
    except OSError as error:
        fail(f"cannot read {csv_file}: {error}")
    region = app_context(ctx).settings.phone.default_region
    columns = (
        TextColumn("[bold]importing[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("rows", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        async def work(crm: Crm) -> ImportReport:
            found = await _campaign(crm, campaign)
            return await crm.campaigns.import_csv(
                found.id, data, default_region=region, progress=advance
            )

        report = run_with_crm(ctx, work)
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    console.print(
        f"{report.accepted} of {report.total_rows} rows imported"
        f" ({report.encoding}); {len(report.refused)} refused"
    )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    if report.refused:
        table = Table("line", "reason", "row", title="Refused rows")
        for row in report.refused:
            table.add_row(str(row.line_no or "-"), row.reason, row.raw)
        console.print(table)


def _set_status(ctx: typer.Context, campaign: str, action: str, actor: str) -> None:
    async def work(crm: Crm) -> CampaignView:
        found = await _campaign(crm, campaign)
        return await crm.campaigns.set_status(found.id, action, by=actor)

    changed = run_with_crm(ctx, work)
    console.print(f"campaign [bold]{changed.name}[/] is {changed.status}")


@app.command("start")
def start(ctx: typer.Context, campaign: Campaign, actor: Actor) -> None:
    """Start dialling (a running ``ctidesk serve`` takes it up within seconds)."""
    _set_status(ctx, campaign, "start", actor)


@app.command("pause")
def pause(ctx: typer.Context, campaign: Campaign, actor: Actor) -> None:
    """Stop placing new calls; calls in flight finish."""
    _set_status(ctx, campaign, "pause", actor)


@app.command("resume")
def resume(ctx: typer.Context, campaign: Campaign, actor: Actor) -> None:
    """Dial again after a pause."""
    _set_status(ctx, campaign, "resume", actor)


@app.command("stop")
def stop(ctx: typer.Context, campaign: Campaign, actor: Actor) -> None:
    """End the campaign for good (its leads stay for the report)."""
    _set_status(ctx, campaign, "stop", actor)


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """Every campaign: state, leads left, abandon rate over 30 days and 24 hours."""

    async def work(crm: Crm) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        rows = []
        for campaign in await crm.campaigns.list():
            counters = await crm.campaigns.counters(campaign.id)
            month = await crm.campaigns.abandon_counts(campaign.id, since=now - MONTH)
            day = await crm.campaigns.abandon_counts(campaign.id, since=now - DAY)
            rows.append(
                {
                    "id": campaign.id,
                    "name": campaign.name,
                    "mode": campaign.mode,
                    "status": campaign.status,
                    "remaining": counters.remaining,
                    "dialled": counters.dialled,
                    "answered": counters.answered,
                    "abandon_rate_30d": abandon_rate(month),
                    "abandon_rate_24h": abandon_rate(day),
                }
            )
        return rows

    rows = run_with_crm(ctx, work)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "name", "mode", "status", "remaining", "dialled", "answered",
                  "abandoned 30 d", "24 h", title="Campaigns")  # fmt: skip
    for row in rows:
        table.add_row(
            str(row["id"]), row["name"], row["mode"], row["status"], str(row["remaining"]),
            str(row["dialled"]), str(row["answered"]),
            f"{row['abandon_rate_30d']:.1%}", f"{row['abandon_rate_24h']:.1%}",
        )  # fmt: skip
    console.print(table)


@app.command("report")
def report(ctx: typer.Context, campaign: Campaign) -> None:
    """One campaign's outcomes: calls, abandons, the AMD mix and the leads left."""

    async def work(crm: Crm) -> tuple[CampaignView, CampaignCounters]:
        found = await _campaign(crm, campaign)
        return found, await crm.campaigns.counters(found.id)

    found, counters = run_with_crm(ctx, work)
    console.print(f"[bold]{found.name}[/] ({found.mode}, {found.status})")
    calls = Table("calls", "count", title="Calls")
    for label, count in (
        ("dialled", counters.dialled), ("ringing now", counters.ringing),
        ("answered by a person", counters.answered), ("connected to an agent", counters.connected),
        ("abandoned", counters.abandoned), ("answering machines", counters.machines),
    ):  # fmt: skip
        calls.add_row(label, str(count))
    calls.add_row("abandon rate", f"{counters.abandon_rate:.2%}")
    amd = Table("AMD verdict", "count", title="Answering-machine detection")
    for label, count in (
        ("HUMAN", counters.amd_human), ("MACHINE", counters.amd_machine),
        ("NOTSURE", counters.amd_notsure),
    ):  # fmt: skip
        amd.add_row(label, str(count))
    leads = Table("leads", "count", title="Leads")
    for label, count in (
        ("all", counters.leads), ("still to call", counters.remaining), ("done", counters.done),
        ("failed", counters.failed), ("invalid number", counters.invalid),
    ):  # fmt: skip
        leads.add_row(label, str(count))
    console.print(calls, amd, leads)
    if found.mode == "ivr_message":
        ivr = Table("IVR message", "count", title="What the callees did")
        for result, count in sorted(counters.ivr_results.items()):
            ivr.add_row("heard it to the end" if result == "played" else f"pressed {result[4:]}",
                        str(count))  # fmt: skip
        if found.survey:
            ivr.add_row(f"began the survey {found.survey}", str(counters.surveys_started))
            ivr.add_row("completed it", str(counters.surveys_completed))
        console.print(ivr)


__all__ = ["app"]
