"""Call records keyed by server and linked id: the Asterisk (its systemname) of each call

Revision ID: 0020_call_records_server
Revises: 0019_reconciled_slot_totals
Create Date: 2026-12-07 19:50:00
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_call_records_server"
down_revision: str | None = "0019_reconciled_slot_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextlib.contextmanager
def _calls_unpointed_on_sqlite() -> Iterator[None]:
    """SQLite rebuilds the table to change its unique key, and dropping the old table would
    break every row of another table that points at a call (foreign keys cannot be turned
    off inside the migration's transaction): those pointers are kept aside, emptied, and
    put back once the rebuilt table holds the same ids."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    pointing = [
        (str(table), str(column))
        for (table,) in bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        for (column,) in bind.exec_driver_sql(
            f"SELECT \"from\" FROM pragma_foreign_key_list('{table}') "
            "WHERE \"table\" = 'call_records'"
        )
    ]
    bind.exec_driver_sql("CREATE TEMP TABLE _call_pointers (tbl TEXT, row_id INTEGER, call INTEGER)")
    for table, column in pointing:
        bind.exec_driver_sql(
            f"INSERT INTO _call_pointers SELECT '{table}', rowid, {column} FROM {table} "
            f"WHERE {column} IS NOT NULL"
        )
        bind.exec_driver_sql(f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL")
    yield
    for table, column in pointing:
        bind.exec_driver_sql(
            f"UPDATE {table} SET {column} = (SELECT call FROM _call_pointers "
            f"WHERE tbl = '{table}' AND row_id = {table}.rowid) "
            f"WHERE rowid IN (SELECT row_id FROM _call_pointers WHERE tbl = '{table}')"
        )
    bind.exec_driver_sql("DROP TABLE _call_pointers")


def upgrade() -> None:
    """Add ``call_records.server`` ("" for the records of a single node) and make
    ``(server, linked_id)`` the records' unique key instead of the linked id alone."""
    with _calls_unpointed_on_sqlite(), op.batch_alter_table("call_records") as batch_op:
        batch_op.add_column(
            sa.Column("server", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_call_records_linked_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_call_records_server_linked_id", ["server", "linked_id"]
        )
        batch_op.create_index("ix_call_records_linked_id", ["linked_id"], unique=False)


def downgrade() -> None:
    """Back to one record per linked id (refused by the database if two servers' records
    share a linked id, which only Asterisks without a systemname can make)."""
    with _calls_unpointed_on_sqlite(), op.batch_alter_table("call_records") as batch_op:
        batch_op.drop_index("ix_call_records_linked_id")
        batch_op.drop_constraint("uq_call_records_server_linked_id", type_="unique")
        batch_op.create_unique_constraint("uq_call_records_linked_id", ["linked_id"])
        batch_op.drop_column("server")
