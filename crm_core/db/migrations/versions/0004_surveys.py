"""surveys: questionnaires, versions, questions, options, responses, answers

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 12:14:33.326459
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.db.types


revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.Enum('market_research', 'service_follow_up', 'phone_survey', name='survey_kind', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaires')),
    sa.UniqueConstraint('code', name=op.f('uq_questionnaires_code'))
    )

    op.create_table('questionnaire_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'retired', name='survey_version_status', native_enum=False, length=24), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('published_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.Column('retired_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_questionnaire_versions_number_positive')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_questionnaire_versions_questionnaire_id_questionnaires')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_versions')),
    sa.UniqueConstraint('questionnaire_id', 'number', name='uq_questionnaire_versions_number')
    )

    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('single', 'multiple', 'rating', 'text', name='survey_question_kind', native_enum=False, length=24), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('text_en', sa.String(length=500), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('rating_min', sa.Integer(), nullable=True),
    sa.Column('rating_max', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind <> 'rating' OR (rating_min IS NOT NULL AND rating_max IS NOT NULL AND rating_min < rating_max)", name=op.f('ck_survey_questions_rating_range')),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_versions.id'], name=op.f('fk_survey_questions_version_id_questionnaire_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('version_id', 'position', name='uq_survey_questions_position')
    )

    op.create_table('survey_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('keypad', sa.Integer(), nullable=True),
    sa.CheckConstraint('keypad BETWEEN 1 AND 9', name=op.f('ck_survey_options_keypad_digit')),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_options_question_id_survey_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_options')),
    sa.UniqueConstraint('question_id', 'keypad', name='uq_survey_options_keypad'),
    sa.UniqueConstraint('question_id', 'position', name='uq_survey_options_position')
    )

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('agent', 'ivr', 'link', name='survey_channel', native_enum=False, length=24), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    # No foreign key yet: the service desk's tables are built in parallel; the lead adds
    # the key to service_requests.id when the migration branches merge.
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('started_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('completed_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('completed_at IS NULL OR completed_at >= started_at', name=op.f('ck_survey_responses_completed_after_start')),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_survey_responses_agent_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['call_records.id'], name=op.f('fk_survey_responses_call_id_call_records')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_responses_member_id_members')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_survey_responses_questionnaire_id_questionnaires')),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_versions.id'], name=op.f('fk_survey_responses_version_id_questionnaire_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('questionnaire_id', 'call_id', name='uq_survey_responses_call')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_agent_started', ['agent_id', 'started_at'], unique=False)
        batch_op.create_index('ix_survey_responses_member_started', ['member_id', 'started_at'], unique=False)
        batch_op.create_index('ix_survey_responses_questionnaire_started', ['questionnaire_id', 'started_at'], unique=False)
        batch_op.create_index('ix_survey_responses_version', ['version_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=2000), nullable=True),
    sa.Column('answered_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['survey_options.id'], name=op.f('fk_survey_answers_option_id_survey_options')),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('response_id', 'question_id', 'option_id', name='uq_survey_answers_option')
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_response_question', ['response_id', 'question_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answers_response_question')

    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_version')
        batch_op.drop_index('ix_survey_responses_questionnaire_started')
        batch_op.drop_index('ix_survey_responses_member_started')
        batch_op.drop_index('ix_survey_responses_agent_started')

    op.drop_table('survey_responses')
    op.drop_table('survey_options')
    op.drop_table('survey_questions')
    op.drop_table('questionnaire_versions')
    op.drop_table('questionnaires')
