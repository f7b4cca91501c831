"""Node leases: which process holds each singleton (an Asterisk's edge, a worker's job)

Revision ID: 0018_node_leases
Revises: 0017_queue_stints
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types

revision: str = "0018_node_leases"
down_revision: str | None = "0017_queue_stints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``node_leases`` (one row per singleton; never deleted, epochs only grow)."""
    op.create_table(
        "node_leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at", crm_core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_node_leases")),
    )


def downgrade() -> None:
    """Drop ``node_leases``."""
    op.drop_table("node_leases")
