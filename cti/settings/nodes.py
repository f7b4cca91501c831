"""Settings of several nodes: this node's roles and leases, and the NATS bus."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
)

from cti.settings.base import (
    _Section,
)

NodeRole = Literal["edge", "gateway", "worker"]


NODE_ROLES: tuple[NodeRole, ...] = ("edge", "gateway", "worker")


class NodeSettings(_Section):
    """This process as one node of several (docs/scale-out.md); a single node runs all roles."""

    name: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description="The node's name on the bus and in leases; empty: the host name.",
    )
    roles: Literal["all"] | tuple[NodeRole, ...] = Field(
        "all",
        description='"all", or some of edge, gateway, worker (several need [nats] url).',
    )
    lease_seconds: float = Field(
        9.0, ge=1, le=300, description="Life of the node's leases; renewed at a third of it."
    )
    heartbeat_seconds: float = Field(
        2.0, gt=0, le=60, description="Seconds between the node's heartbeats on the bus."
    )
    sla_scan_seconds: float = Field(
        60.0, gt=0, le=3600,
        description="A worker's SLA scan: seconds between notes of missed service deadlines.",
    )  # fmt: skip
    retention_purge_seconds: float = Field(
        3600.0, gt=0, le=86_400,
        description="A worker's recordings purge (with [recordings] retention_days): seconds "
        "between purges.",
    )  # fmt: skip

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_listed(cls, value: object) -> object:
        if isinstance(value, str) and value != "all":
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError('give "all" or at least one of edge, gateway, worker')
            if len(set(value)) != len(value):
                raise ValueError("a role is listed twice")
            unknown = [role for role in value if role not in NODE_ROLES]
            if unknown:
                raise ValueError(f"unknown role {unknown[0]!r}: give some of edge, gateway, worker")
            return tuple(value)
        return value

    def role_set(self) -> frozenset[NodeRole]:
        """The roles this node runs ("all": every one)."""
        return frozenset(NODE_ROLES if self.roles == "all" else self.roles)


class NatsSettings(_Section):
    """The NATS bus between nodes; no URL means one node alone, without a bus."""

    url: str = Field(
        "",
        pattern=r"^((nats|tls)://[^\s,]+(,(nats|tls)://[^\s,]+)*)?$",
        description="nats:// or tls://host:port (comma-separated for a cluster); empty: none.",
    )
    connect_timeout: float = Field(2.0, gt=0, description="Seconds allowed to connect.")
    request_timeout: float = Field(
        15.0,
        gt=0,
        description="Seconds a node waits for another's answer (control: longer than AMI's 10).",
    )
    publish_queue: int = Field(
        10_000, ge=100, description="Messages waiting to be published, at most; more are dropped."
    )

    def servers(self) -> list[str]:
        """The server URLs to connect to."""
        return [url for url in self.url.split(",") if url]


__all__ = [
    "NODE_ROLES",
    "NatsSettings",
    "NodeRole",
    "NodeSettings",
]
