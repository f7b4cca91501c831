"""``ctidesk points``: rules, postings, expiry, ledger and statistics."""

from __future__ import annotations

import typer

app = typer.Typer(help="Loyalty points: rules, grants, redemption, expiry, ledger, statistics.", no_args_is_help=True)
