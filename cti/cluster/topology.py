"""Which combinations of roles, bus and database a node may start with."""

from __future__ import annotations

from cti.settings import Settings


class TopologyError(Exception):
    """The settings describe a node that cannot work; the message names the setting."""


def check_topology(settings: Settings) -> None:
    """:class:`TopologyError` for a node that could not do its part.

    Some roles alone need the bus (a gateway without an edge has no calls to show), and
    several nodes share one PostgreSQL database (SQLite is one machine's file).
    """
    node, nats = settings.node, settings.nats
    if node.roles != "all" and not nats.url:
        raise TopologyError(
            f"node.roles = {list(node.roles)}: a node with only some roles needs the bus; "
            'set nats.url, or node.roles = "all" for a single node'
        )
    if nats.url and settings.database.connect_url().startswith("sqlite"):
        raise TopologyError(
            "database.url: several nodes share one PostgreSQL database; SQLite serves a "
            "single node (leave nats.url empty)"
        )


__all__ = ["TopologyError", "check_topology"]
