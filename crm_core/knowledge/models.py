"""Tables of the knowledge base: a category tree, articles and their keywords.

The full-text index is not an ORM table: it is a structure of the database's own
(an FTS5 virtual table on SQLite, a ``tsvector`` table with a GIN index on PostgreSQL)
that migration 0006 creates and :mod:`crm_core.knowledge.search` keeps in step with the
articles. Its table names are listed in ``metadata.info["unmanaged_tables"]`` so that
schema comparisons against the models can leave them out.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db.base import Base
from crm_core.db.types import UTCDateTime

#: The search index's tables, which the migration creates by hand: on SQLite the FTS5
#: table and its shadow tables, on PostgreSQL one table.
SEARCH_INDEX_TABLES = frozenset(
    {
        "kb_search",
        "kb_search_config",
        "kb_search_content",
        "kb_search_data",
        "kb_search_docsize",
        "kb_search_idx",
    }
)
Base.metadata.info.setdefault("unmanaged_tables", set()).update(SEARCH_INDEX_TABLES)


class ArticleStatus(enum.StrEnum):
    """Drafts are work in progress; agents see approved articles."""

    DRAFT = "draft"
    APPROVED = "approved"


class KbCategory(Base):
    """A node of the category tree; ``path`` is its names from the root joined by ``/``."""

    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    path: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KbArticle(Base):
    """A knowledge-base article."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint("view_count >= 0", name="view_count_not_negative"),
        Index("ix_kb_articles_status_category", "status", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ArticleStatus] = mapped_column(
        Enum(
            ArticleStatus,
            name="kb_article_status",
            native_enum=False,
            length=16,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    keywords: Mapped[list[KbArticleKeyword]] = relationship(
        order_by="KbArticleKeyword.position", cascade="all, delete-orphan"
    )


class KbArticleKeyword(Base):
    """One keyword of an article, in the order the author gave them."""

    __tablename__ = "kb_article_keywords"
    __table_args__ = (
        UniqueConstraint("article_id", "keyword", name="uq_kb_article_keywords_article_keyword"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    keyword: Mapped[str] = mapped_column(String(40), index=True)
