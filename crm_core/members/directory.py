"""Caller-number lookup for the screen pop: the hot path, one indexed query per call.

On SQLite the directory keeps its own read-only driver connection and sends one
prepared statement straight to it: one hop to the driver's thread, no ORM, no pool
checkout (see notes/performance-facts.md). On PostgreSQL it keeps a small asyncpg
pool of its own (prepared statements cached per connection, no pre-ping round trip).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import aiosqlite
import asyncpg
from sqlalchemy import bindparam, select
from sqlalchemy.engine import make_url

from crm_core.db.engine import SQLITE_BUSY_TIMEOUT_S, Database
from crm_core.members.models import Member, MemberPhone
from crm_core.members.phones import caller_number_to_e164
from crm_core.members.schemas import MemberBrief

POSTGRES_LOOKUP = (
    "SELECT members.number, members.name, members.level, members.member_type "
    "FROM member_phones JOIN members ON members.id = member_phones.member_id "
    "WHERE member_phones.e164 = $1 ORDER BY members.id"
)
SQLITE_LOOKUP = (
    "SELECT members.number, members.name, members.level, members.member_type "
    "FROM member_phones JOIN members ON members.id = member_phones.member_id "
    "WHERE member_phones.e164 = ? ORDER BY members.id"
)
CORE_LOOKUP = (
    select(Member.number, Member.name, Member.level, Member.member_type)
    .join(MemberPhone, MemberPhone.member_id == Member.id)
    .where(MemberPhone.e164 == bindparam("e164"))
    .order_by(Member.id)
)


@lru_cache(maxsize=65536)
def _e164(caller_number: str, region: str) -> str | None:
    return caller_number_to_e164(caller_number, region)


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """Lookups leave no session state, so a released connection needs no reset round trip."""


class PhoneDirectory:
    """Finds the members behind a caller number as telephony delivers it."""

    def __init__(self, *, db: Database, default_region: str) -> None:
        self._db = db
        self.default_region = default_region
        self._sqlite: aiosqlite.Connection | None = None
        self._postgres: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _sqlite_connection(self) -> aiosqlite.Connection:
        if self._sqlite is None:
            async with self._opening:
                if self._sqlite is None:
                    path = make_url(self._db.url).database or ""
                    connection = await aiosqlite.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)
                    try:
                        await connection.execute("PRAGMA query_only=ON")
                    except BaseException:  # cancelled (a request cut off) or failed: no leak
                        await connection.close()
                        raise
                    self._sqlite = connection
        return self._sqlite

    async def lookup(self, caller_number: str) -> list[MemberBrief]:
        """Members with this phone; an unusable number finds nobody."""
        e164 = _e164(caller_number, self.default_region)
        if e164 is None:
            return []
        return await self.lookup_e164(e164)

    async def lookup_e164(self, e164: str) -> list[MemberBrief]:
        """Members with this E.164 number, oldest member first."""
        if self._db.is_sqlite:
            connection = await self._sqlite_connection()
            rows = await connection.execute_fetchall(SQLITE_LOOKUP, (e164,))
            return [MemberBrief(*row) for row in rows]
        if self._db.engine.dialect.name == "postgresql":
            pool = await self._postgres_pool()
            return [MemberBrief(*row) for row in await pool.fetch(POSTGRES_LOOKUP, e164)]
        async with self._db.engine.connect() as core:
            result = await core.execute(CORE_LOOKUP, {"e164": e164})
            return [MemberBrief(*row) for row in result]

    async def _postgres_pool(self) -> asyncpg.Pool:
        if self._postgres is None:
            async with self._opening:
                if self._postgres is None:
                    url = self._db.engine.url.set(drivername="postgresql")
                    self._postgres = await asyncpg.create_pool(
                        url.render_as_string(hide_password=False),
                        min_size=1,
                        max_size=4,
                        reset=_nothing_to_reset,
                    )
        return self._postgres

    async def close(self) -> None:
        """Close the directory's own connection."""
        if self._sqlite is not None:
            await self._sqlite.close()
            self._sqlite = None
        if self._postgres is not None:
            await self._postgres.close()
            self._postgres = None
