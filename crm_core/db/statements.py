"""Running prebuilt Core statements on a hot path, on SQLite straight on the driver.

SQLAlchemy costs about 60 µs a statement over SQLite's own 10–20 µs (measured in
bench/points_ledger.py). A :class:`StatementRunner` takes statements built once at
import time; on PostgreSQL it executes them through SQLAlchemy as usual, on SQLite it
compiles each one once (named parameters) and hands the SQL to the ``sqlite3``
connection of the same transaction, converting the types SQLite has no native form
for as SQLAlchemy stores them: timezone-aware UTC datetimes (both ways; the only
such type used in parameters), dates, JSON and booleans (in results).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Executable
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from crm_core.db.types import UTCDateTime

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DATETIME
_NAMED_SQLITE = sqlite.dialect(paramstyle="named")
Converter = Callable[[Any], Any] | None
_Compiled = tuple[str, dict[str, Any], tuple[Converter, ...]]
# Keyed by the statement's id; the statement itself is kept in the entry so that id can
# never be reused by another object while the entry exists.
_compiled: dict[tuple[int, tuple[str, ...]], tuple[ClauseElement, _Compiled]] = {}

Params = Mapping[str, Any]


def _to_sqlite(value: Any) -> Any:
    if value is None or type(value) is int:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        return value.astimezone(UTC).strftime(SQLITE_TIME_FORMAT)
    if isinstance(value, str):
        return str(value)  # plain str for StrEnum members
    return value


def _from_sqlite(value: Any) -> Any:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _date(value: Any) -> Any:
    return None if value is None else date.fromisoformat(value)


def _json(value: Any) -> Any:
    return None if value is None else json.loads(value)


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _converter(column_type: Any) -> Converter:
    """How to turn what sqlite3 returns for a column of this type into the Python value."""
    if isinstance(column_type, UTCDateTime):
        return _from_sqlite
    if isinstance(column_type, Date):
        return _date
    if isinstance(column_type, JSON):
        return _json
    if isinstance(column_type, Boolean):
        return _bool
    return None


def _compile(statement: ClauseElement, keys: tuple[str, ...]) -> _Compiled:
    """SQL with named parameters, the values of literal binds, and result converters."""
    cache_key = (id(statement), keys)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = statement.compile(dialect=_NAMED_SQLITE, column_keys=list(keys))
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("StatementRunner cannot run expanding IN lists; use OR of literals")
        columns = getattr(statement, "selected_columns", None)
        if columns is None:
            returning = getattr(statement, "_returning", ())
            columns = returning
        converters = tuple(_converter(column.type) for column in columns)
        literals = {k: _to_sqlite(v) for k, v in compiled.params.items() if v is not None}
        entry = _compiled[cache_key] = (statement, (compiled.string, literals, converters))
    return entry[1]


class StatementRunner:
    """Executes statements inside the current transaction; fast on SQLite.

    Made from a SQLAlchemy connection (``StatementRunner.of(session)`` for a session's)
    or, on SQLite, straight from the driver connection the transaction runs on.
    """

    def __init__(
        self, *, connection: Connection | None = None, driver: sqlite3.Connection | None = None
    ) -> None:
        if driver is None:
            if connection is None:
                raise ValueError("a StatementRunner needs a connection or a driver connection")
            if connection.dialect.name == "sqlite":
                driver = connection.connection.driver_connection
        self.connection = connection
        self._driver = driver
        self.is_sqlite = driver is not None
        self.statements = 0  # how many statements ran: reads promise a small constant

    @classmethod
    def of(cls, session: Session) -> StatementRunner:
        """A runner inside ``session``'s transaction."""
        return cls(connection=session.connection())

    def _sqlite_rows(self, statement: Executable, params: Params) -> list[tuple[Any, ...]]:
        assert self._driver is not None
        sql, literals, converters = _compile(statement, tuple(sorted(params)))  # type: ignore[arg-type]
        cursor = self._driver.execute(
            sql, {**literals, **{k: _to_sqlite(v) for k, v in params.items()}}
        )
        rows = cursor.fetchall()
        if any(converters):
            rows = [
                tuple(
                    value if convert is None else convert(value)
                    for value, convert in zip(row, converters, strict=True)
                )
                for row in rows
            ]
        return rows

    def all(self, statement: Executable, params: Params) -> Sequence[tuple[Any, ...]]:
        """Every row of a query (or of a RETURNING clause)."""
        self.statements += 1
        if self.is_sqlite:
            return self._sqlite_rows(statement, params)
        assert self.connection is not None
        return [tuple(row) for row in self.connection.execute(statement, dict(params))]

    def one_or_none(self, statement: Executable, params: Params) -> tuple[Any, ...] | None:
        """The single row of a query, or None."""
        rows = self.all(statement, params)
        if len(rows) > 1:
            raise AssertionError("query returned more than one row")
        return rows[0] if rows else None

    def scalar(self, statement: Executable, params: Params) -> Any:
        """The first column of the single row."""
        row = self.one_or_none(statement, params)
        if row is None:
            raise AssertionError("query returned no row")
        return row[0]

    def execute_many(self, statement: Executable, rows: Sequence[Params]) -> None:
        """Execute a DML statement once per parameter set."""
        if not rows:
            return
        self.statements += 1
        if self._driver is None:
            assert self.connection is not None
            self.connection.execute(statement, [dict(row) for row in rows])
            return
        sql, literals, _ = _compile(statement, tuple(sorted(rows[0])))  # type: ignore[arg-type]
        self._driver.executemany(
            sql, [{**literals, **{k: _to_sqlite(v) for k, v in row.items()}} for row in rows]
        )
