"""The throwaway PostgreSQL server the test session relies on."""

from __future__ import annotations

import asyncpg
import pytest

from cti.sandbox.process import process_exists
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres


def _dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_start_query_create_database_and_stop() -> None:
    server = PostgresServer().start()
    try:
        assert server.url == f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/postgres"
        pid = server.pid
        assert process_exists(pid)

        conn = await asyncpg.connect(_dsn(server.url))
        try:
            version = await conn.fetchval("select version()")
        finally:
            await conn.close()
        assert isinstance(version, str)
        assert version.startswith("PostgreSQL ")

        crm_url = server.create_database("ctidesk_crm")
        assert crm_url.endswith(f":{server.port}/ctidesk_crm")
        conn = await asyncpg.connect(_dsn(crm_url))
        try:
            assert await conn.fetchval("select current_database()") == "ctidesk_crm"
            await conn.execute("create table t (name text)")
            await conn.execute("insert into t values ($1)", "张三")
            assert await conn.fetchval("select name from t") == "张三"
        finally:
            await conn.close()
    finally:
        server.stop()

    assert not process_exists(pid)
    assert not server.running


def test_missing_binaries_raise_with_setup_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTIDESK_PG_BIN", "/nonexistent/postgres/bin")
    with pytest.raises(RuntimeError, match=r"scripts/setup\.sh --with-postgres"):
        PostgresServer().start()
