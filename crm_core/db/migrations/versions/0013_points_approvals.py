"""Points approvals and call identities: agents' points changes that wait for a
supervisor, who the IVR found a caller to be on a call (PIN or caller number), how a
redemption's member proved who they are; clients' idempotency keys in their namespace

Revision ID: 0013_points_approvals
Revises: 0012_campaigns
Create Date: 2026-12-07 13:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types


revision: str = '0013_points_approvals'
down_revision: str | None = '0012_campaigns'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keys people chose (gifts, adjustments, redemptions) move into their operator's
# namespace, as the service now stores them (crm_core/loyalty/keys.py); the demo's
# seeded keys stay as they are, and a key too long for its namespace is left alone.
CLIENT_KEYS = (
    "operation IN ('gift', 'adjust', 'redeem')"
    " AND idempotency_key NOT LIKE 'client:%'"
    " AND idempotency_key NOT LIKE 'demo:%'"
    " AND length(idempotency_key) + length(operator) + 8 <= 128"
)


def upgrade() -> None:
    """Create ``points_approvals`` and ``ivr_call_identities``, add
    ``points_entries.verification`` and namespace the clients' keys."""
    verification = sa.Enum('ivr_pin', name='verification', native_enum=False, length=24)
    op.create_table('points_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('operation', sa.Enum('earn', 'bonus', 'gift', 'adjust', 'redeem', 'expire', name='points_operation', native_enum=False, length=24), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=True),
    sa.Column('item', sa.String(length=200), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('call_linked_id', sa.String(length=64), nullable=True),
    sa.Column('verification', verification, nullable=True),
    sa.Column('needs', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='approval_status', native_enum=False, length=24), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=400), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('points <> 0', name=op.f('ck_points_approvals_points_not_zero')),
    sa.ForeignKeyConstraint(['entry_id'], ['points_entries.id'], name=op.f('fk_points_approvals_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_points_approvals_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_approvals')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_points_approvals_idempotency_key'))
    )
    with op.batch_alter_table('points_approvals', schema=None) as batch_op:
        batch_op.create_index('ix_points_approvals_status_requested', ['status', 'requested_at'], unique=False)

    op.create_table('ivr_call_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_linked_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ivr_call_identities_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_call_identities'))
    )
    with op.batch_alter_table('ivr_call_identities', schema=None) as batch_op:
        batch_op.create_index('ix_ivr_call_identities_call', ['call_linked_id', 'member_id'], unique=False)

    op.add_column('points_entries', sa.Column('verification', verification, nullable=True))
    op.execute(
        "UPDATE points_entries SET idempotency_key ="
        f" 'client:' || operator || ':' || idempotency_key WHERE {CLIENT_KEYS}"
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` created; the clients' keys keep their namespace."""
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_column('verification')
    with op.batch_alter_table('ivr_call_identities', schema=None) as batch_op:
        batch_op.drop_index('ix_ivr_call_identities_call')

    op.drop_table('ivr_call_identities')
    with op.batch_alter_table('points_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_points_approvals_status_requested')

    op.drop_table('points_approvals')
