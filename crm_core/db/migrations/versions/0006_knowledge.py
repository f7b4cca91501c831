"""knowledge base: categories, articles, keywords and the full-text search index

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-22 12:14:56.113693

The search index is not an ORM table (see crm_core.knowledge.search): on SQLite an FTS5
virtual table ``kb_search`` (with its shadow tables ``kb_search_*``), on PostgreSQL a
``kb_search`` table of ``tsvector`` documents with a GIN index. Their names are listed
in ``metadata.info["unmanaged_tables"]`` for schema comparisons to leave out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_core.db.types


revision: str = '0006'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns hold tokens our own tokenizer made, space-separated: unicode61 only has to
# split at the spaces (marks kept inside words, no diacritics folding: the tokens are
# already normalised).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE kb_search USING fts5("
    "title, keywords, body, "
    "tokenize = 'unicode61 remove_diacritics 0 categories ''L* N* Co M*''')"
)


def upgrade() -> None:
    op.create_table('kb_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['kb_categories.id'], name=op.f('fk_kb_categories_parent_id_kb_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_categories')),
    sa.UniqueConstraint('path', name=op.f('uq_kb_categories_path'))
    )
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_categories_parent_id'), ['parent_id'], unique=False)

    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'approved', name='kb_article_status', native_enum=False, length=16), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', crm_core.db.types.UTCDateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', crm_core.db.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('view_count >= 0', name=op.f('ck_kb_articles_view_count_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['kb_categories.id'], name=op.f('fk_kb_articles_category_id_kb_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_kb_articles_status_category', ['status', 'category_id'], unique=False)

    op.create_table('kb_article_keywords',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('keyword', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_keywords_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_keywords')),
    sa.UniqueConstraint('article_id', 'keyword', name='uq_kb_article_keywords_article_keyword')
    )
    with op.batch_alter_table('kb_article_keywords', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_keywords_keyword'), ['keyword'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute(SQLITE_FTS)
    elif dialect == 'postgresql':
        op.create_table('kb_search',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('document', postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_search_article_id_kb_articles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('article_id', name=op.f('pk_kb_search'))
        )
        op.create_index('ix_kb_search_document', 'kb_search', ['document'], unique=False, postgresql_using='gin')
    else:
        raise NotImplementedError(f'no full-text search index for {dialect}')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE kb_search')
    else:
        op.drop_index('ix_kb_search_document', table_name='kb_search')
        op.drop_table('kb_search')

    with op.batch_alter_table('kb_article_keywords', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_keywords_keyword'))

    op.drop_table('kb_article_keywords')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_status_category')
        batch_op.drop_index(batch_op.f('ix_kb_articles_category_id'))

    op.drop_table('kb_articles')
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_categories_parent_id'))

    op.drop_table('kb_categories')
