"""Merge the service desk, surveys, activities and knowledge branches; link survey
responses to service requests.

Revision ID: 0007
Revises: 0003, 0004, 0005, 0006
Create Date: 2026-11-22 12:37:44.100558
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | tuple[str, ...] | None = ("0003", "0004", "0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_survey_responses_service_request_id_service_requests"


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "service_requests", ["service_request_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
