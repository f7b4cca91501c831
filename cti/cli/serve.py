"""``ctidesk serve``: the telephony service — AMI bridge, screen pop, call log and API."""

from __future__ import annotations

import asyncio
import logging

import typer

from cti.cli.common import app_context, console, fail
from cti.ivr.services import NO_SECRET
from cti.service import serve as run_service


def serve(ctx: typer.Context) -> None:
    """Run the CTI service until Ctrl-C: connect to Asterisk and serve the API."""
    settings = app_context(ctx).settings
    secret = settings.agi.secret
    if secret is None or not secret.get_secret_value().strip():
        fail(NO_SECRET)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    console.print(
        f"ctidesk serve: API on http://{settings.api.host}:{settings.api.port}, "
        f"AMI {settings.ami.host}:{settings.ami.port}"
    )
    asyncio.run(run_service(settings))
