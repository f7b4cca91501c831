"""The access audit: logins failed, locked out and succeeded, recordings played, legal
holds set and released

Revision ID: 0014_access_events
Revises: 0013_points_approvals
Create Date: 2026-12-07 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types

revision: str = "0014_access_events"
down_revision: str | None = "0013_points_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``access_events`` (indexed by time and by actor)."""
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", crm_core.db.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
    )
    with op.batch_alter_table("access_events", schema=None) as batch_op:
        batch_op.create_index("ix_access_events_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_events_actor"), ["actor"], unique=False)


def downgrade() -> None:
    """Drop ``access_events``."""
    with op.batch_alter_table("access_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_events_actor"))
        batch_op.drop_index("ix_access_events_at")
    op.drop_table("access_events")
