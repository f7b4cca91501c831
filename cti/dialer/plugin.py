"""Wiring of the outbound dialer (the campaigns' runners and routes arrive in steps)."""

from __future__ import annotations

from cti.bus.wiring import Wiring


def load(wiring: Wiring) -> None:
    """Register the dialer's parts with the service (none yet: the domain is being built)."""
    del wiring


__all__ = ["load"]
