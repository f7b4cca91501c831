"""Many plain members fast, for benchmarks and load tests: Core inserts in large chunks.

Each member gets an ``I-`` number continuing the sequence, a Chinese name, a level, one
mobile phone and an empty points account; nothing else (no bonuses, no history). The
phones are ``+86138`` numbers derived from the member's sequence number by a bijection,
so they are unique, reproducible and never collide with the demo's (which avoid 138).
Each chunk is one transaction; the loader is meant for a database nobody else is
writing to at the same time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, column, func, insert, select, table, text, update
from sqlalchemy.orm import Session

from crm_core.db.base import Base
from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.io.demo import Progress
from crm_core.io.demo_data import GIVEN_NAMES, LEVEL_WEIGHTS, MEMBER_TYPES, SURNAMES, TYPE_BY_LEVEL
from crm_core.members.models import MemberKind
from crm_core.wiring import Crm

CHUNK_MEMBERS = 10_000
LOAD_CACHE = -262_144  # KiB: 256 MiB of SQLite page cache during the load
MAX_SEQUENCE = 10**8 - 1
PHONE_PREFIX = "+86138"
PHONE_STEP = 48_271_813  # odd and not a multiple of 5: n → n·STEP + OFFSET is a bijection mod 10^8
PHONE_OFFSET = 20_261_122
BULK_CREATED_AT = datetime(2026, 1, 1, tzinfo=UTC)
PREFIX = "I"
SURNAME_TEXT = [surname for surname, _ in SURNAMES]
GIVEN_TEXT = [given for given, _, _ in GIVEN_NAMES]


@dataclass(frozen=True)
class BulkSummary:
    """What one bulk load added."""

    members: int
    first_number: str | None
    last_number: str | None
    seconds: float


def bulk_phone(sequence: int) -> str:
    """The E.164 phone of the member whose number is ``I-{sequence:08d}``."""
    return f"{PHONE_PREFIX}{(sequence * PHONE_STEP + PHONE_OFFSET) % 10**8:08d}"


def member_number(sequence: int) -> str:
    """The member number for a sequence value."""
    return f"{PREFIX}-{sequence:08d}"


MEMBER_COLUMNS = (
    "id", "number", "kind", "name", "language", "level", "member_type", "custom_fields",
    "created_at", "updated_at",
)  # fmt: skip
PHONE_COLUMNS = ("member_id", "e164", "label", "position")
ACCOUNT_COLUMNS = ("member_id", "valid", "cumulative")


def _insert_many(connection: Connection, name: str, names: Sequence[str], rows: list[Any]) -> None:
    """Core's INSERT for ``names``, executed with plain tuples straight by the driver.

    Skipping SQLAlchemy's per-row parameter and type processing halves the load time;
    the values must therefore already be what the driver stores.
    """
    statement = insert(table(name, *(column(n) for n in names)))
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(names))
    assert tuple(compiled.positiontup or ()) == tuple(names)
    connection.exec_driver_sql(str(compiled), rows)


def _created_at(dialect: str) -> object:
    """The creation time as the driver stores it (SQLAlchemy's SQLite text format)."""
    naive = BULK_CREATED_AT.replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive


def _load_chunk(session: Session, *, count: int, seed: int) -> tuple[int, int]:
    """Insert ``count`` members with phones and accounts; returns the first and last sequence."""
    tables = Base.metadata.tables
    members, sequences = tables["members"], tables["number_sequences"]
    connection = session.connection()
    created_at = _created_at(connection.dialect.name)
    last = connection.scalar(select(sequences.c.last_value).where(sequences.c.prefix == PREFIX))
    if last is None:
        connection.execute(insert(sequences).values(prefix=PREFIX, last_value=0))
        last = 0
    if last + count > MAX_SEQUENCE:
        raise InvalidInputError("member numbers would run past I-99999999", last=last)
    first_id = (connection.scalar(select(func.max(members.c.id))) or 0) + 1
    # Seeded by where the chunk starts, so running the unit of work again (the SQLite
    # writer may) draws the same names.
    rng = random.Random(seed * 1_000_003 + last)
    ids = range(first_id, first_id + count)
    sequence_numbers = range(last + 1, last + 1 + count)
    names = map(str.__add__, rng.choices(SURNAME_TEXT, k=count), rng.choices(GIVEN_TEXT, k=count))
    levels = rng.choices((1, 2, 3, 4, 5), LEVEL_WEIGHTS, k=count)
    kind = MemberKind.INDIVIDUAL.value
    member_rows = [
        (member_id, member_number(n), kind, name, "zh", level, TYPE_BY_LEVEL[level], "{}",
         created_at, created_at)
        for member_id, n, name, level in zip(ids, sequence_numbers, names, levels, strict=True)
    ]  # fmt: skip
    phone_rows = [
        (member_id, bulk_phone(n), "mobile", 0)
        for member_id, n in zip(ids, sequence_numbers, strict=True)
    ]
    _insert_many(connection, "members", MEMBER_COLUMNS, member_rows)
    _insert_many(connection, "member_phones", PHONE_COLUMNS, phone_rows)
    _insert_many(connection, "points_accounts", ACCOUNT_COLUMNS, [(i, 0, 0) for i in ids])
    connection.execute(
        update(sequences).where(sequences.c.prefix == PREFIX).values(last_value=last + count)
    )
    if connection.dialect.name == "postgresql":
        # Explicit ids leave the serial sequence behind; move it past them.
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('members', 'id'), :value)"),
            {"value": first_id + count - 1},
        )
    return last + 1, last + count


def _sqlite_cache(session: Session, *, size: int) -> int:
    """Set the writer connection's page cache (``size`` as SQLite takes it); returns the old one."""
    connection = session.connection()
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size={int(size)}")
    return previous


async def _ensure_member_types(db: Database) -> None:
    types = Base.metadata.tables["member_types"]

    def work(session: Session) -> None:
        known = set(session.connection().scalars(select(types.c.code)))
        missing = [{"code": c, "name": n} for c, n in MEMBER_TYPES if c not in known]
        if missing:
            session.connection().execute(insert(types), missing)

    await db.run_write(work)


async def seed_bulk(
    target: Crm | Database,
    *,
    members: int,
    seed: int,
    progress: Progress | None = None,
) -> BulkSummary:
    """Add ``members`` plain members with one phone and an empty account each, fast.

    Numbers continue after the existing ones; the same ``seed`` and starting point give
    the same names and levels. Member types the rows refer to are created when missing.
    """
    if members < 1:
        raise InvalidInputError("give a positive number of members", members=members)
    db = target.db if isinstance(target, Crm) else target
    started = time.perf_counter()
    await _ensure_member_types(db)
    first: int | None = None
    last: int | None = None
    done = 0
    if progress is not None:
        progress(0, members)
    # A large page cache keeps the indexes in memory while they grow (a third faster at
    # a million members); the writer connection gets its usual cache back at the end.
    cache = await db.run_write(partial(_sqlite_cache, size=LOAD_CACHE)) if db.is_sqlite else None
    try:
        while done < members:
            count = min(CHUNK_MEMBERS, members - done)
            chunk_first, last = await db.run_write(partial(_load_chunk, count=count, seed=seed))
            first = chunk_first if first is None else first
            done += count
            if progress is not None:
                progress(done, members)
    finally:
        if cache is not None:
            await db.run_write(partial(_sqlite_cache, size=cache))
    return BulkSummary(
        members=members,
        first_number=member_number(first) if first is not None else None,
        last_number=member_number(last) if last is not None else None,
        seconds=time.perf_counter() - started,
    )
