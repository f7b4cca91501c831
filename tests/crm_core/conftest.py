"""Fixtures of the CRM core's tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema yet, on SQLite and then on PostgreSQL: a migration's test
    upgrades it to the revision before, writes rows as they were, then upgrades it."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/old.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"crm_before_{uuid.uuid4().hex[:12]}")
