"""``ctidesk cards``: the life cycle of member cards."""

from __future__ import annotations

import typer

app = typer.Typer(help="Member cards: issue, bind, lost, replace, cancel, show.", no_args_is_help=True)
