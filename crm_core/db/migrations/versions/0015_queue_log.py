"""Asterisk's queue_log lines, kept so any statistic can be recomputed

Revision ID: 0015_queue_log
Revises: 0014_access_events
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types

revision: str = '0015_queue_log'
down_revision: str | None = '0014_access_events'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('queue_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server', sa.String(length=64), nullable=False),
    sa.Column('time', sa.Float(), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=128), nullable=False),
    sa.Column('agent', sa.String(length=128), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_log')),
    sa.UniqueConstraint('digest', name='uq_queue_log_digest')
    )
    with op.batch_alter_table('queue_log', schema=None) as batch_op:
        batch_op.create_index('ix_queue_log_server_time', ['server', 'time'], unique=False)

    op.create_table('queue_log_positions',
    sa.Column('server', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('inode', sa.BigInteger(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('server', 'path', name=op.f('pk_queue_log_positions'))
    )


def downgrade() -> None:
    op.drop_table('queue_log_positions')
    with op.batch_alter_table('queue_log', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_log_server_time')
    op.drop_table('queue_log')
