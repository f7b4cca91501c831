"""Outbound campaigns: campaigns, leads, dial attempts, suppression, invalid numbers,
contact consent, call-backs, dialer leases; and the members' time zone

Revision ID: 0012_campaigns
Revises: 0011_live_call_links
Create Date: 2026-12-07 10:01:46.279686
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types


revision: str = '0012_campaigns'
down_revision: str | None = '0011_live_call_links'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the campaign tables and add ``members.time_zone`` (empty: unknown)."""
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.Enum('preview', 'progressive', 'predictive', 'ivr_message', name='campaign_mode', native_enum=False, length=16), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('agents', sa.JSON(), nullable=False),
    sa.Column('caller_id', sa.String(length=64), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('retry_rules', sa.JSON(), nullable=False),
    sa.Column('dispositions', sa.JSON(), nullable=False),
    sa.Column('abandon_target', sa.Float(), nullable=False),
    sa.Column('amd', sa.Boolean(), nullable=False),
    sa.Column('amd_params', sa.JSON(), nullable=False),
    sa.Column('recording', sa.Enum('none', 'all', name='campaign_rec', native_enum=False, length=16), nullable=False),
    sa.Column('script', sa.Text(), nullable=True),
    sa.Column('message', sa.String(length=100), nullable=True),
    sa.Column('survey', sa.String(length=64), nullable=True),
    sa.Column('require_consent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'running', 'paused', 'stopped', name='campaign_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('abandon_target >= 0 AND abandon_target <= 0.03', name=op.f('ck_campaigns_abandon_cap')),
    sa.CheckConstraint('max_attempts >= 1', name=op.f('ck_campaigns_max_attempts_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('dialer_leases',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('expires_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_dialer_leases'))
    )
    op.create_table('invalid_numbers',
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('cause', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.String(length=32), nullable=True),
    sa.Column('marked_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_invalid_numbers'))
    )
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('agent', 'import', 'api', 'system', name='suppr_source', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_suppressions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions'))
    )
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.create_index('ix_suppressions_phone', ['phone', 'campaign_id'], unique=False)

    op.create_table('campaign_leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('custom', sa.JSON(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'in_flight', 'done', 'failed', 'invalid', 'suppressed', name='campaign_lead_status', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_callable_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('last_result', sa.String(length=16), nullable=True),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_leads_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_campaign_leads_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_leads')),
    sa.UniqueConstraint('campaign_id', 'phone', name='uq_campaign_leads_campaign_phone')
    )
    with op.batch_alter_table('campaign_leads', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_leads_due', ['campaign_id', 'status', 'next_callable_at'], unique=False)
        batch_op.create_index('ix_campaign_leads_phone', ['phone'], unique=False)

    op.create_table('contact_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_contact_consents_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_consents'))
    )
    with op.batch_alter_table('contact_consents', schema=None) as batch_op:
        batch_op.create_index('ix_contact_consents_member_channel', ['member_id', 'channel', 'id'], unique=False)

    op.create_table('campaign_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('owner_login', sa.String(length=64), nullable=False),
    sa.Column('due_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'offered', 'done', 'cancelled', name='callback_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_callbacks_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['campaign_leads.id'], name=op.f('fk_campaign_callbacks_lead_id_campaign_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_callbacks'))
    )
    with op.batch_alter_table('campaign_callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_callbacks_status_due', ['status', 'due_at'], unique=False)

    op.create_table('dial_attempts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('agent_login', sa.String(length=64), nullable=True),
    sa.Column('answered_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('amd_status', sa.String(length=16), nullable=True),
    sa.Column('ivr_result', sa.String(length=16), nullable=True),
    sa.Column('survey_response_id', sa.Integer(), nullable=True),
    sa.Column('connected_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('ended_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('hangup_cause', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['callback_id'], ['campaign_callbacks.id'], name=op.f('fk_dial_attempts_callback_id_campaign_callbacks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_dial_attempts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['campaign_leads.id'], name=op.f('fk_dial_attempts_lead_id_campaign_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_response_id'], ['survey_responses.id'], name=op.f('fk_dial_attempts_survey_response_id_survey_responses'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dial_attempts'))
    )
    with op.batch_alter_table('dial_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_dial_attempts_campaign_created', ['campaign_id', 'created_at'], unique=False)
        batch_op.create_index('ix_dial_attempts_lead', ['lead_id'], unique=False)
        batch_op.create_index('ix_dial_attempts_phone_result', ['phone', 'result', 'ended_at'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))



def downgrade() -> None:
    """Drop them again (every campaign, lead and attempt is lost)."""
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('dial_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_dial_attempts_phone_result')
        batch_op.drop_index('ix_dial_attempts_lead')
        batch_op.drop_index('ix_dial_attempts_campaign_created')

    op.drop_table('dial_attempts')
    with op.batch_alter_table('campaign_callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_callbacks_status_due')

    op.drop_table('campaign_callbacks')
    with op.batch_alter_table('contact_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_consents_member_channel')

    op.drop_table('contact_consents')
    with op.batch_alter_table('campaign_leads', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_leads_phone')
        batch_op.drop_index('ix_campaign_leads_due')

    op.drop_table('campaign_leads')
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.drop_index('ix_suppressions_phone')

    op.drop_table('suppressions')
    op.drop_table('invalid_numbers')
    op.drop_table('dialer_leases')
    op.drop_table('campaigns')
