"""``ctidesk db``: schema migrations, demo data and a summary of what is in the database."""

from __future__ import annotations

import asyncio

import typer

from crm_core.db.migrate import current_revision, head_revision, upgrade
from cti.cli.common import app_context, console

app = typer.Typer(help="The CRM database: migrations, demo data, summary.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Migrate the database to the newest schema (creates it when missing)."""
    url = app_context(ctx).settings.database.url
    with console.status("Migrating the database…"):
        asyncio.run(upgrade(url))
    console.print(f"[green]Database is at revision {head_revision()}[/] ({_safe(url)})")


@app.command("status")
def status_command(ctx: typer.Context) -> None:
    """Show the database's schema revision and the newest one in the code."""
    url = app_context(ctx).settings.database.url
    current = asyncio.run(current_revision(url))
    head = head_revision()
    state = "[green]up to date[/]" if current == head else "[yellow]needs `ctidesk db upgrade`[/]"
    console.print(f"database {_safe(url)}: revision {current or '(empty)'}, code {head} — {state}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
