"""queue_slot_totals: the stints counted per wait bucket (the reports' wait distribution)

Revision ID: 0021_slot_totals_wait_buckets
Revises: 0020_call_records_server
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_slot_totals_wait_buckets"
down_revision: str | None = "0020_call_records_server"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUCKETS = (("waits_10", -1, 10), ("waits_20", 10, 20), ("waits_30", 20, 30),
           ("waits_60", 30, 60), ("waits_120", 60, 120), ("waits_300", 120, 300),
           ("waits_longer", 300, None))  # fmt: skip
"""Each column, the wait it counts from (excluded) and up to (included): the buckets of
crm_core/queue_log/totals.py as they were when this revision was written."""


def _count(low: int, high: int | None) -> str:
    upper = "" if high is None else f" AND s.wait <= {high}"
    return f"COALESCE(SUM(CASE WHEN s.wait > {low}{upper} THEN 1 ELSE 0 END), 0)"


def upgrade() -> None:
    """Add the seven counts (0 on every row) and fill them from the stored stints."""
    for name, _low, _high in BUCKETS:
        op.add_column(
            "queue_slot_totals",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
        )
    # Each row's counts, from the stints of its queue, slot, outcome and blocking reason
    # (the same groups the totals were summed over).
    counts = ", ".join(f"{name} = ({_fill(low, high)})" for name, low, high in BUCKETS)
    op.execute(f"UPDATE queue_slot_totals SET {counts}")  # noqa: S608 (constants only)


def _fill(low: int, high: int | None) -> str:
    return (
        f"SELECT {_count(low, high)} FROM queue_stints AS s"
        " WHERE s.queue = queue_slot_totals.queue AND s.slot = queue_slot_totals.slot"
        " AND COALESCE(s.outcome, '') = queue_slot_totals.outcome"
        " AND COALESCE(s.blocked, '') = queue_slot_totals.blocked"
    )


def downgrade() -> None:
    """Drop the seven counts."""
    with op.batch_alter_table("queue_slot_totals") as batch:
        for name, _low, _high in reversed(BUCKETS):
            batch.drop_column(name)
