"""Reconciled call records (calls that ended while the service was down, from queue_log);
queue_slot_totals (the stints summed per queue and quarter hour, for reports)

Revision ID: 0019_reconciled_slot_totals
Revises: 0018_node_leases
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_reconciled_slot_totals"
down_revision: str | None = "0018_node_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``call_records.reconciled`` (false for every record written so far),
    ``queue_log_positions.reconcile_after`` (none: nothing waits to be reconciled), the
    index of stints by wait and ``queue_slot_totals`` filled from the stored stints."""
    # ADD COLUMN in place (a batch copy of call_records would trip the foreign keys of the
    # rows that point at it on SQLite).
    op.add_column(
        "call_records",
        sa.Column("reconciled", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("queue_log_positions", sa.Column("reconcile_after", sa.BigInteger()))
    op.create_index(
        "ix_queue_stints_wait", "queue_stints", ["outcome", "wait", "slot", "queue"], unique=False
    )
    op.create_table(
        "queue_slot_totals",
        sa.Column("queue", sa.String(length=128), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("blocked", sa.String(length=16), nullable=False),
        sa.Column("stints", sa.Integer(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("wait_sum", sa.BigInteger(), nullable=False),
        sa.Column("wait_max", sa.Integer(), nullable=True),
        sa.Column("within", sa.Integer(), nullable=False),
        sa.Column("talks", sa.Integer(), nullable=False),
        sa.Column("talk_sum", sa.BigInteger(), nullable=False),
        sa.Column("handle_sum", sa.BigInteger(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "queue", "slot", "outcome", "blocked", name=op.f("pk_queue_slot_totals")
        ),
    )
    # The stints stored so far, summed as crm_core/queue_log/totals.py sums them (waits
    # up to 20 s: its BASE_LEVEL).
    op.execute(
        "INSERT INTO queue_slot_totals (queue, slot, outcome, blocked, stints, waits,"
        " wait_sum, wait_max, within, talks, talk_sum, handle_sum, transfers)"
        " SELECT queue, slot, COALESCE(outcome, ''), COALESCE(blocked, ''), COUNT(*),"
        " COUNT(wait), COALESCE(SUM(wait), 0), MAX(wait),"
        " SUM(CASE WHEN wait <= 20 THEN 1 ELSE 0 END), COUNT(talk), COALESCE(SUM(talk), 0),"
        " COALESCE(SUM(talk + wrapup), 0), SUM(CASE WHEN transferred THEN 1 ELSE 0 END)"
        " FROM queue_stints GROUP BY queue, slot, outcome, blocked"
    )


def downgrade() -> None:
    """Drop the totals, the index and both columns."""
    op.drop_table("queue_slot_totals")
    op.drop_index("ix_queue_stints_wait", table_name="queue_stints")
    with op.batch_alter_table("queue_log_positions") as batch:
        batch.drop_column("reconcile_after")
    with op.batch_alter_table("call_records") as batch:
        batch.drop_column("reconciled")
