"""``ctidesk users``: Staff: add, list, disable, change passwords."""

from __future__ import annotations

import typer

app = typer.Typer(help="Staff: add, list, disable, change passwords.", no_args_is_help=True)
