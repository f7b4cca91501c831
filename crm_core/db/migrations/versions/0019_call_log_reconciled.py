"""Reconciled call records: calls that ended while the service was down, from queue_log

Revision ID: 0019_call_log_reconciled
Revises: 0018_node_leases
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_call_log_reconciled"
down_revision: str | None = "0018_node_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``call_records.reconciled`` (false for every record written so far) and
    ``queue_log_positions.reconcile_after`` (none: nothing waits to be reconciled)."""
    with op.batch_alter_table("call_records") as batch:
        batch.add_column(
            sa.Column("reconciled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("queue_log_positions") as batch:
        batch.add_column(sa.Column("reconcile_after", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop both columns."""
    with op.batch_alter_table("queue_log_positions") as batch:
        batch.drop_column("reconcile_after")
    with op.batch_alter_table("call_records") as batch:
        batch.drop_column("reconciled")
