"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from crm_core.db.engine import create_engine
from crm_core.db.metadata import include_name, metadata
from crm_core.db.migrate import current_revision, head_revision, upgrade


async def test_migrated_schema_matches_the_models(any_url: str) -> None:
    engine = create_engine(any_url)
    try:
        async with engine.connect() as connection:

            def differences(sync_connection: Connection) -> list[object]:
                context = MigrationContext.configure(
                    sync_connection, opts={"compare_type": True, "include_name": include_name}
                )
                return list(compare_metadata(context, metadata))

            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_upgrade_is_repeatable_and_reports_its_revision(any_url: str) -> None:
    assert await current_revision(any_url) == head_revision()
    await upgrade(any_url)  # already at head: changes nothing, fails nothing
    assert await current_revision(any_url) == head_revision()


async def test_upgrade_creates_a_new_sqlite_database(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/sub/dir/new.db"
    assert await current_revision(url) is None
    await upgrade(url)
    assert await current_revision(url) == head_revision()
