"""Stints computed from the stored queue_log lines, for reports summed by the database

Revision ID: 0017_queue_stints
Revises: 0016_call_log_outbox
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_queue_stints"
down_revision: str | None = "0016_call_log_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_stints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=128), nullable=False),
        sa.Column("entered_at", sa.Float(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("blocked", sa.String(length=16), nullable=True),
        sa.Column("wait", sa.Integer(), nullable=True),
        sa.Column("talk", sa.Integer(), nullable=True),
        sa.Column("wrapup", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=128), nullable=True),
        sa.Column("transferred", sa.Boolean(), nullable=False),
        sa.Column("inferred", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_stints")),
    )
    with op.batch_alter_table("queue_stints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_queue_stints_slot",
            ["slot", "queue", "outcome", "blocked", "entered_at", "wait", "talk", "wrapup",
             "transferred"],
            unique=False,
        )  # fmt: skip
        batch_op.create_index("ix_queue_stints_server_call", ["server", "call_id"], unique=False)
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.create_index("ix_queue_log_server_call", ["server", "call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_log", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_log_server_call")
    with op.batch_alter_table("queue_stints", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_stints_server_call")
        batch_op.drop_index("ix_queue_stints_slot")
    op.drop_table("queue_stints")
