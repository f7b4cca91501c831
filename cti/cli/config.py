"""``ctidesk config``: show the effective settings and where each value came from."""

from __future__ import annotations

import typer
from rich.table import Table

from cti.cli.common import app_context, console

app = typer.Typer(help="Inspect the settings.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Print every setting, its value (secrets masked) and its source."""
    table = Table("key", "value", "source", title="ctidesk settings")
    for key, value, source in app_context(ctx).settings.describe():
        table.add_row(key, value, source)
    console.print(table)
