"""Alembic migrations run from code (``ctidesk db upgrade``), for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from crm_core.db.engine import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration(s) in the code, ``+``-joined if the history has branched."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return "+".join(sorted(heads))


async def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, revision)


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def read(sync_connection: Connection) -> str | None:
                heads = MigrationContext.configure(sync_connection).get_current_heads()
                return "+".join(sorted(heads)) or None

            return await connection.run_sync(read)
    finally:
        await engine.dispose()
