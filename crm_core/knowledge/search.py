"""The full-text index of articles, one implementation per database, same tokens on both.

Both index the tokens of :mod:`crm_core.knowledge.tokenize` (character bigrams for
Chinese, words for the rest), so they find the same articles:

- SQLite: an FTS5 table ``kb_search(title, keywords, body)`` whose columns hold the
  space-joined tokens and whose rowid is the article id; the ``unicode61`` tokenizer
  only splits them at the spaces again. Ranked by ``bm25`` with the title weighing
  most, then the keywords.
- PostgreSQL: a table ``kb_search(article_id, document tsvector)`` with a GIN index. The
  ``tsvector`` is written literally (lexeme, positions, weight A title / B keywords /
  D body) so no text-search parser or dictionary of the server's locale is involved.
  Ranked by ``ts_rank``.

A query's terms are AND-ed; a Chinese term is a phrase of consecutive bigrams (a prefix
for one character). The index is written in the same transaction as the article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Float, Integer, Select, Text, cast, column, delete, func, insert, literal
from sqlalchemy import select as sql_select
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause, literal_column

from crm_core.knowledge.tokenize import Term, tokens

#: bm25 weights of the FTS5 columns (title, keywords, body).
SQLITE_WEIGHTS = (10.0, 5.0, 1.0)
#: A ``tsvector`` records at most this position and this many positions per lexeme.
PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_LEXEME = 256


@dataclass(frozen=True)
class IndexedArticle:
    """The searchable text of one article."""

    article_id: int
    title: str
    keywords: Sequence[str]
    body: str


class SearchIndex(Protocol):
    """What the knowledge service needs of an index."""

    def put(self, session: Session, article: IndexedArticle) -> None:
        """Index (or re-index) an article within ``session``'s transaction."""

    def remove(self, session: Session, article_id: int) -> None:
        """Drop an article from the index within ``session``'s transaction."""

    def ranked(self, terms: Sequence[Term]) -> Select[Any]:
        """A select of ``(article_id, rank)`` for the articles matching every term."""


def _keyword_tokens(keywords: Sequence[str]) -> list[str]:
    return [token for keyword in keywords for token in tokens(keyword)]


# --- SQLite: FTS5 ------------------------------------------------------------------------

_fts = sql_table(
    "kb_search",
    column("rowid", Integer),
    column("title", Text),
    column("keywords", Text),
    column("body", Text),
)
_fts_table: ColumnClause[Any] = literal_column("kb_search")


def fts5_query(terms: Sequence[Term]) -> str:
    """The FTS5 MATCH expression of a query: quoted token phrases joined by AND."""
    phrases = []
    for term in terms:
        phrase = '"' + " ".join(token.replace('"', '""') for token in term.tokens) + '"'
        phrases.append(phrase + "*" if term.prefix else phrase)
    return " AND ".join(phrases)


class SqliteSearchIndex:
    """The index as an FTS5 table (created by migration 0006)."""

    def put(self, session: Session, article: IndexedArticle) -> None:
        """Index (or re-index) an article within ``session``'s transaction."""
        self.remove(session, article.article_id)
        session.execute(
            insert(_fts).values(
                rowid=article.article_id,
                title=" ".join(tokens(article.title)),
                keywords=" ".join(_keyword_tokens(article.keywords)),
                body=" ".join(tokens(article.body)),
            )
        )

    def remove(self, session: Session, article_id: int) -> None:
        """Drop an article from the index within ``session``'s transaction."""
        session.execute(delete(_fts).where(_fts.c.rowid == article_id))

    def ranked(self, terms: Sequence[Term]) -> Select[Any]:
        """A select of ``(article_id, rank)``; rank is ``-bm25`` (higher is better)."""
        score = func.bm25(_fts_table, *(literal(w, Float) for w in SQLITE_WEIGHTS))
        return sql_select(_fts.c.rowid.label("article_id"), (-score).label("rank")).where(
            _fts_table.op("MATCH")(fts5_query(terms))
        )


# --- PostgreSQL: tsvector ----------------------------------------------------------------

_pg = sql_table("kb_search", column("article_id", Integer), column("document", TSVECTOR))


def _quote_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(article: IndexedArticle) -> str:
    """The article's ``tsvector`` in its text form, positions and weights included."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, field_tokens in (
        ("A", tokens(article.title)),
        ("B", _keyword_tokens(article.keywords)),
        ("D", tokens(article.body)),
    ):
        for token in field_tokens:
            position = min(position + 1, PG_MAX_POSITION)
            seen = positions.setdefault(token, [])
            if len(seen) < PG_MAX_POSITIONS_PER_LEXEME:
                seen.append(f"{position}{weight}")
    return " ".join(f"{_quote_lexeme(token)}:{','.join(at)}" for token, at in positions.items())


def tsquery_literal(terms: Sequence[Term]) -> str:
    """The ``tsquery`` of a query in its text form: phrases (``<->``) joined by ``&``."""
    parts = []
    for term in terms:
        phrase = " <-> ".join(_quote_lexeme(token) for token in term.tokens)
        parts.append(f"({phrase}:*)" if term.prefix else f"({phrase})")
    return " & ".join(parts)


class PostgresSearchIndex:
    """The index as a ``tsvector`` table with a GIN index (created by migration 0006)."""

    def put(self, session: Session, article: IndexedArticle) -> None:
        """Index (or re-index) an article within ``session``'s transaction."""
        self.remove(session, article.article_id)
        session.execute(
            insert(_pg).values(
                article_id=article.article_id,
                document=cast(literal(tsvector_literal(article), Text), TSVECTOR),
            )
        )

    def remove(self, session: Session, article_id: int) -> None:
        """Drop an article from the index within ``session``'s transaction."""
        session.execute(delete(_pg).where(_pg.c.article_id == article_id))

    def ranked(self, terms: Sequence[Term]) -> Select[Any]:
        """A select of ``(article_id, rank)``; rank is ``ts_rank`` (higher is better)."""
        query = cast(literal(tsquery_literal(terms), Text), TSQUERY)
        return sql_select(
            _pg.c.article_id.label("article_id"),
            func.ts_rank(_pg.c.document, query).label("rank"),
        ).where(_pg.c.document.op("@@")(query))


def search_index_for(dialect_name: str) -> SearchIndex:
    """The index implementation for a database dialect (``sqlite`` or ``postgresql``)."""
    if dialect_name == "sqlite":
        return SqliteSearchIndex()
    if dialect_name == "postgresql":
        return PostgresSearchIndex()
    raise ValueError(f"no full-text search for the {dialect_name!r} database")


__all__ = [
    "IndexedArticle",
    "PostgresSearchIndex",
    "SearchIndex",
    "SqliteSearchIndex",
    "fts5_query",
    "search_index_for",
    "tsquery_literal",
    "tsvector_literal",
]
