"""Merge the IVR self-service and the call-control (recordings, supervisor audit) branches.

Revision ID: 0010
Revises: 0008, 0009
Create Date: 2026-11-22 14:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | tuple[str, ...] | None = ("0008", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to change."""
