"""``ctidesk serve``: the telephony service — AMI bridge, screen pop, call log and API."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from pydantic import ValidationError

from cti.cli.common import app_context, console, fail
from cti.cluster.connection import BusUnavailableError
from cti.cluster.edge import EdgeClaimError
from cti.cluster.lease import LeaseLostError
from cti.cluster.topology import TopologyError
from cti.ivr.services import NO_SECRET
from cti.service import serve as run_service
from cti.settings import NodeSettings, Settings


def serve(
    ctx: typer.Context,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help='This node\'s roles: "all", or some of edge, gateway, worker, comma-separated '
            "(overrides node.roles; several nodes need nats.url).",
        ),
    ] = None,
) -> None:
    """Run the CTI service until Ctrl-C: connect to Asterisk and serve the API."""
    settings = _with_roles(app_context(ctx).settings, role)
    edge = "edge" in settings.node.role_set()
    secret = settings.agi.secret
    if edge and (secret is None or not secret.get_secret_value().strip()):
        fail(NO_SECRET)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asterisk = f"AMI {settings.ami.host}:{settings.ami.port}" if edge else "no Asterisk"
    roles = "" if settings.node.roles == "all" else f" ({', '.join(settings.node.roles)})"
    console.print(
        f"ctidesk serve{roles}: API on http://{settings.api.host}:{settings.api.port}, {asterisk}"
    )
    try:
        asyncio.run(run_service(settings))
    except (TopologyError, EdgeClaimError, LeaseLostError, BusUnavailableError) as error:
        fail(str(error))


def _with_roles(settings: Settings, role: str | None) -> Settings:
    """``settings`` with ``--role`` in place of ``[node] roles``."""
    if role is None:
        return settings
    try:
        node = NodeSettings.model_validate({**settings.node.model_dump(), "roles": role})
    except ValidationError as error:
        fail(f"--role {role!r}: {error.errors()[0]['msg'].removeprefix('Value error, ')}")
    return settings.model_copy(update={"node": node})
