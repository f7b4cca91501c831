"""``ctidesk members``: look members up, import and export them."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from crm_core.io import ImportReport, export_members, import_members
from crm_core.loyalty.schemas import PointsSummary
from crm_core.members.schemas import ChangeView, MemberBrief, MemberView
from crm_core.wiring import Crm
from cti.cli.common import console, fail, read_secret, run_with_crm
from cti.protocol import stars

EXIT_BAD_ROWS = 3
IMPORT_HELP = (
    "Create and update members from a CSV file, e.g. one written by [bold]export[/].\n\n"
    "Columns: number, external_ref, kind, name, gender, birthday (YYYY-MM-DD), phones "
    "(separated by ;), email, address, province, city, region, education, income_band, "
    "job_title, employer, language, level (1-5), member_type, owner, customer_category, "
    "purchase_intent, product_interest and custom.NAME. An empty cell leaves a field as it "
    "is.\n\n"
    "A row updates the member with its number (which must exist), else the one with its "
    "external_ref, else the one with its name and first phone; otherwise it creates one. "
    "Importing the same file again changes nothing.\n\n"
    "Bad rows are listed with their line numbers; the other rows are imported.\n\n"
    "Exit codes: 0 every row imported; 1 the file was refused as a whole (not UTF-8, no "
    "header, unknown columns) and nothing was imported; 2 wrong command line, e.g. no such "
    "file; 3 some rows were bad (the others were imported)."
)
EXPORT_HELP = (
    "Write every member to a CSV file that [bold]import[/] reads back.\n\n"
    "The file has the columns import knows plus custom.NAME for every custom field in use; "
    "it is UTF-8 with a byte-order mark so that spreadsheet programs show Chinese names."
)

app = typer.Typer(
    help="Members: show, find, history, import, export, set-pin.", no_args_is_help=True
)


class RowRateColumn(ProgressColumn):
    """Rows per second of a progress task."""

    def render(self, task: Task) -> Text:
        """The current rate, or a dash before there is one."""
        speed = task.finished_speed or task.speed
        text = "– rows/s" if speed is None else f"{speed:,.0f} rows/s"
        return Text(text, style="progress.data.speed")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowRateColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@app.command("import", help=IMPORT_HELP)
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV file: UTF-8, header line first."
        ),
    ],
    actor: Annotated[
        str, typer.Option("--actor", help="Name written to the change history.")
    ] = "import",
    ignore_numbers: Annotated[
        bool,
        typer.Option(
            "--ignore-numbers",
            help="Ignore the number column (moving members from another database): rows are "
            "matched by external_ref, else name and first phone, and new members get new "
            "numbers.",
        ),
    ] = False,
) -> None:
    """Create and update members from a CSV file."""
    with _progress_bar() as bar:
        task = bar.add_task("Importing", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def work(crm: Crm) -> ImportReport:
            return await import_members(
                crm, file, actor=actor, progress=show, match_number=not ignore_numbers
            )

        report = run_with_crm(ctx, work)
    console.print(_summary(report))
    if report.bad:
        bad_rows = Table(title="Bad rows (not imported)", title_style="bold red")
        bad_rows.add_column("Line", justify="right", style="bold")
        bad_rows.add_column("Problem", overflow="fold")
        for bad in report.bad:
            bad_rows.add_row(str(bad.line), bad.message)
        console.print(bad_rows)
        raise typer.Exit(EXIT_BAD_ROWS)


def _summary(report: ImportReport) -> Table:
    table = Table(title="Import")
    for name, style in (
        ("Rows", ""),
        ("Created", "green"),
        ("Updated", "cyan"),
        ("Unchanged", "dim"),
        ("Bad", "red"),
    ):
        table.add_column(name, justify="right", style=style)
    table.add_row(
        *(
            str(count)
            for count in (
                report.rows,
                report.created,
                report.updated,
                report.unchanged,
                len(report.bad),
            )
        )
    )
    return table


@app.command("export", help=EXPORT_HELP)
def export_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="CSV file to write (replaced if it exists).")
    ],
) -> None:
    """Write every member to a CSV file."""
    with _progress_bar() as bar:
        task = bar.add_task("Exporting", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def work(crm: Crm) -> int:
            return await export_members(crm, file, progress=show)

        count = run_with_crm(ctx, work)
    console.print(f"[green]Exported {count} members[/] to {file}")


@app.command("show")
def show_command(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Member number, e.g. I-00000001.")],
) -> None:
    """Show a member's profile and points."""

    async def work(crm: Crm) -> tuple[MemberView, PointsSummary]:
        return await crm.members.get(number), await crm.points.summary(number)

    member, points = run_with_crm(ctx, work)
    console.print(Panel(_profile(member, points), title=f"{member.number}  {member.name}"))


def _profile(member: MemberView, points: PointsSummary) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    place = " ".join(p for p in (member.province, member.city, member.address) if p)
    expiring = ", ".join(
        f"{lot.points} on {lot.expires_at:%Y-%m-%d}" for lot in points.expiring_soon
    )
    rows = [
        ("Number", member.number),
        ("Name", member.name),
        ("Kind", member.kind.value),
        ("Level", f"{stars(member.level)} ({member.level})"),
        ("Type", member.member_type),
        ("Phones", ", ".join(phone.e164 for phone in member.phones)),
        ("Owner", member.owner),
        ("Gender", member.gender),
        ("Birthday", member.birthday.isoformat() if member.birthday else None),
        ("E-mail", member.email),
        ("Address", place),
        ("Region", member.region),
        ("Language", member.language),
        ("Employer", " / ".join(p for p in (member.job_title, member.employer) if p)),
        ("Education", member.education),
        ("Income band", member.income_band),
        ("Category", member.customer_category),
        ("Purchase intent", member.purchase_intent),
        ("Interested in", member.product_interest),
        ("External ref", member.external_ref),
        *((f"custom.{name}", str(value)) for name, value in member.custom_fields.items()),
        ("Member since", f"{member.created_at:%Y-%m-%d}" if member.created_at else None),
        ("Points", f"{points.valid} valid, {points.cumulative} cumulative"),
        ("Expiring soon", expiring),
    ]
    for label, value in rows:
        if value:
            grid.add_row(label, value)
    return grid


@app.command("find")
def find_command(
    ctx: typer.Context,
    phone: Annotated[
        str, typer.Argument(help="Phone number as dialled or as the trunk presents it.")
    ],
) -> None:
    """Find the members behind a phone number, the way the screen pop does."""

    async def work(crm: Crm) -> list[MemberBrief]:
        return await crm.directory.lookup(phone)

    found = run_with_crm(ctx, work)
    if not found:
        console.print("[yellow]no member has this number[/]")
        return
    table = Table(title=f"Members with {phone}")
    for name in ("Number", "Name", "Level", "Type"):
        table.add_column(name)
    for brief in found:
        table.add_row(brief.number, brief.name, stars(brief.level), brief.member_type or "")
    console.print(table)


@app.command("history")
def history_command(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Member number, e.g. I-00000001.")],
) -> None:
    """Show what was changed on a member, by whom and when (oldest first, local time)."""

    async def work(crm: Crm) -> list[ChangeView]:
        return await crm.members.history(number)

    changes = run_with_crm(ctx, work)
    if not changes:
        console.print(f"no changes recorded for {number}")
        return
    table = Table(title=f"Changes to {number}")
    for name in ("When", "Field", "From", "To", "By"):
        table.add_column(name, overflow="fold")
    for change in changes:
        table.add_row(
            f"{change.changed_at.astimezone():%Y-%m-%d %H:%M:%S}",
            change.field,
            change.old_value or "",
            change.new_value or "",
            change.changed_by,
        )
    console.print(table)


@app.command("set-pin")
def set_pin_command(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Member number, e.g. I-00000001.")],
    pin_stdin: Annotated[
        bool,
        typer.Option(
            "--pin-stdin",
            help="Read the PIN from standard input: typed without echo on a terminal, "
            "or one line from a pipe.",
        ),
    ] = False,
) -> None:
    """Set a member's IVR self-service PIN (4 to 8 digits, kept only as an argon2id hash).

    The member's wrong-PIN lock-out, if any, is lifted.
    """
    if not pin_stdin and not sys.stdin.isatty():
        fail("no terminal to ask for the PIN on: use --pin-stdin")
    pin = read_secret("PIN", confirm=True)

    async def work(crm: Crm) -> None:
        await crm.selfservice.set_pin(number, pin, actor=f"cli:{getpass.getuser()}")

    run_with_crm(ctx, work)
    console.print(f"[green]PIN set[/] for {number}")
