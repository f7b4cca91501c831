"""The call log's outbox: call records the telephony side could not write yet

Revision ID: 0016_call_log_outbox
Revises: 0015_queue_log
Create Date: 2026-12-07 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types

revision: str = "0016_call_log_outbox"
down_revision: str | None = "0015_queue_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``call_log_outbox`` (one row per call record waiting to be written)."""
    op.create_table(
        "call_log_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("linked_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", crm_core.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", crm_core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_log_outbox")),
    )
    with op.batch_alter_table("call_log_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_log_outbox_linked_id"), ["linked_id"], unique=False
        )


def downgrade() -> None:
    """Drop the outbox (records still waiting in it are lost)."""
    with op.batch_alter_table("call_log_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_log_outbox_linked_id"))
    op.drop_table("call_log_outbox")
