"""The ``ctidesk`` command: one entry point, a sub-command group per area."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cti.cli import (
    ami,
    campaigns,
    cards,
    config,
    db,
    demo,
    kb,
    members,
    nodes,
    points,
    recordings,
    sandbox,
    serve,
    stats,
    tui,
    users,
)
from cti.cli.common import AppContext, console, fail
from cti.settings import SettingsError, load_settings

app = typer.Typer(
    name="ctidesk",
    help="Call-centre CTI service, agent console and embedded CRM for membership businesses.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(members.app, name="members")
app.add_typer(cards.app, name="cards")
app.add_typer(campaigns.app, name="campaign")
app.add_typer(points.app, name="points")
app.add_typer(users.app, name="users")
app.add_typer(kb.app, name="kb")
app.add_typer(recordings.app, name="recordings")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(ami.app, name="ami")
app.add_typer(config.app, name="config")
app.add_typer(stats.app, name="stats")
app.command("serve")(serve.serve)
app.command("nodes")(nodes.nodes)
app.command("console")(tui.console)
app.command("demo")(demo.demo)


@app.callback()
def _root(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Settings file on top of config/ctidesk.toml.",
            envvar="CTIDESK_CONFIG",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    """Call-centre CTI service, agent console and embedded CRM."""
    try:
        settings = load_settings(config_file)
    except SettingsError as error:
        console.print(f"[bold red]Settings are not valid:[/]\n{error}")
        raise typer.Exit(2) from None
    ctx.obj = AppContext(settings=settings)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        fail("interrupted")
    sys.exit(0)
