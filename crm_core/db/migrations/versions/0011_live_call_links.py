"""Notes, service requests and survey responses keep the linked id of their call

A note made during a live call names a call whose record is written only when it ends:
the linked id is kept, and the call log links the row to the record when it writes it.

Revision ID: 0011_live_call_links
Revises: 0010
Create Date: 2026-11-22 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_live_call_links"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("activities", "service_requests", "survey_responses")


def upgrade() -> None:
    """Add ``call_linked_id`` (indexed) and fill it for rows already linked to a record."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("call_linked_id", sa.String(length=64), nullable=True))
            batch_op.create_index(
                batch_op.f(f"ix_{table}_call_linked_id"), ["call_linked_id"], unique=False
            )
        op.execute(
            f"UPDATE {table} SET call_linked_id = (SELECT call_records.linked_id"
            f" FROM call_records WHERE call_records.id = {table}.call_id)"
            f" WHERE call_id IS NOT NULL"
        )


def downgrade() -> None:
    """Drop the column and its index (pending links are lost)."""
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_call_linked_id"))
            batch_op.drop_column("call_linked_id")
