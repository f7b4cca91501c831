"""Errors of the node leases."""

from __future__ import annotations

from crm_core.errors import ConflictError


class StaleEpochError(ConflictError):
    """A write carried an epoch that is no longer the lease's current one, or the lease
    has lapsed: another process holds (or may take) the singleton, so this one must not
    write."""

    error_id = "stale-epoch"
