"""``ctidesk members``: look members up, import and export them."""

from __future__ import annotations

import typer

app = typer.Typer(help="Members: show, find, import, export.", no_args_is_help=True)
