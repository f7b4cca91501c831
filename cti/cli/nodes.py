"""``ctidesk nodes``: the live nodes of a multi-node setup, and the lease table."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from crm_core.leases.schemas import NodeLeaseView
from cti.cli.common import app_context, console, fail, run_with_crm
from cti.cluster.connection import BusUnavailableError
from cti.cluster.roster import live_nodes
from cti.cluster.status import NodeStatus


def nodes(
    ctx: typer.Context,
    wait: Annotated[
        float, typer.Option("--wait", min=0.1, max=30, help="Seconds to collect answers.")
    ] = 1.0,
) -> None:
    """List the live nodes (roles, Asterisk, version, consoles) and the leases."""
    settings = app_context(ctx).settings
    if not settings.nats.url:
        fail("no bus: nats.url is empty, so this is a single node (see docs/scale-out.md)")
    try:
        statuses = asyncio.run(live_nodes(settings.nats, within=wait))
    except BusUnavailableError as error:
        fail(str(error))
    leases = run_with_crm(ctx, lambda crm: crm.leases.listed())
    console.print(_node_table(statuses))
    console.print(_lease_table(leases))


def _node_table(statuses: list[NodeStatus]) -> Table:
    table = Table(title="Nodes", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for header in ("node", "roles", "asterisk", "version", "up", "consoles", "sent", "dropped"):
        table.add_column(
            header, justify="right" if header in ("consoles", "sent", "dropped") else "left"
        )
    now = time.time()
    for status in statuses:
        table.add_row(
            status.instance, ",".join(status.roles), status.asterisk or "-", status.version,
            _since(now - status.started_at), str(status.consoles), str(status.published),
            str(status.dropped),
        )  # fmt: skip
    if not statuses:
        table.caption = "no node answered"
    return table


def _lease_table(leases: list[NodeLeaseView]) -> Table:
    table = Table(title="Leases", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for header in ("lease", "holder", "epoch", "expires (UTC)", "state"):
        table.add_column(header)
    now = datetime.now(UTC)
    for lease in leases:
        state = "held" if lease.expires_at > now else "lapsed"
        table.add_row(lease.name, lease.holder, str(lease.epoch),
                      f"{lease.expires_at:%Y-%m-%d %H:%M:%S}", state)  # fmt: skip
    return table


def _since(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
