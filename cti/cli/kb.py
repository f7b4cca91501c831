"""``ctidesk kb``: Knowledge base: articles and search."""

from __future__ import annotations

import typer

app = typer.Typer(help="Knowledge base: articles and search.", no_args_is_help=True)
