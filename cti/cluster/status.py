"""A node's status as the bus carries it: in its heartbeats and in answer to
``ctidesk nodes`` (which adds the lease table)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version


def service_version() -> str:
    """The installed ctidesk version ("0" when run from a tree that is not installed)."""
    try:
        return version("ctidesk")
    except PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class NodeStatus:
    """One node now: its roles, its Asterisk (an edge's), its consoles and bus counts."""

    node: str
    instance: str
    roles: tuple[str, ...]
    asterisk: str | None
    version: str
    started_at: float
    consoles: int
    published: int
    dropped: int
    sent_at: float

    def encode(self) -> bytes:
        """The status as the bus carries it (JSON)."""
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> NodeStatus:
        """A status from the bus; ``ValueError`` naming what is missing or wrong."""
        fields = json.loads(data)
        try:
            return cls(
                node=str(fields["node"]), instance=str(fields["instance"]),
                roles=tuple(str(r) for r in fields["roles"]),
                asterisk=None if fields["asterisk"] is None else str(fields["asterisk"]),
                version=str(fields["version"]), started_at=float(fields["started_at"]),
                consoles=int(fields["consoles"]), published=int(fields["published"]),
                dropped=int(fields["dropped"]), sent_at=float(fields["sent_at"]),
            )  # fmt: skip
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a node status: {error}") from None


__all__ = ["NodeStatus", "service_version"]
