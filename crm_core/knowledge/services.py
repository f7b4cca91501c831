"""The knowledge base: categories, articles with an approval step, and full-text search.

Agents see approved articles; authors write drafts; an active supervisor or admin
approves, withdraws (back to draft) and deletes. Changing an approved article's title,
body or keywords sends it back to draft: agents only ever read approved text. The
search index is written in the same transaction as the article it describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.knowledge import repository as repo
from crm_core.knowledge.exceptions import (
    ArticleNotFoundError,
    ArticleStatusError,
    DuplicateCategoryError,
    StaleArticleError,
)
from crm_core.knowledge.models import ArticleStatus, KbArticle, KbArticleKeyword, KbCategory
from crm_core.knowledge.schemas import (
    ArticleCreate,
    ArticleSummary,
    ArticleUpdate,
    ArticleView,
    CategoryView,
    SearchHit,
)
from crm_core.knowledge.search import SearchIndex, search_index_for
from crm_core.knowledge.snippets import find_matches, make_snippet
from crm_core.knowledge.tokenize import query_terms
from crm_core.loyalty.services import Clock
from crm_core.validation import parse

QUERY_MAX = 200
SEARCH_LIMIT_MAX = 100
LIST_LIMIT_MAX = 1000


class KnowledgeService:
    """Categories, articles, approval, view counts and search."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock
        self._index: SearchIndex = search_index_for(db.engine.dialect.name)

    # --- categories -----------------------------------------------------------------------

    async def create_category(self, path: str) -> CategoryView:
        """Create a category, and any missing parents; an existing path is a conflict."""
        path = repo.valid_category_path(path)

        def work(session: Session) -> CategoryView:
            if session.scalar(select(KbCategory.id).where(KbCategory.path == path)):
                raise DuplicateCategoryError(f"category {path!r} already exists", category=path)
            return repo.category_view(
                repo.ensure_category(session, tuple(path.split("/")), self.clock)
            )

        return await self._db.run_write(work)

    async def ensure_category(self, path: str) -> CategoryView:
        """The category at ``path``, created with any missing parents if it does not exist."""
        parts = tuple(repo.valid_category_path(path).split("/"))
        return await self._db.run_write(
            lambda session: repo.category_view(repo.ensure_category(session, parts, self.clock))
        )

    async def categories(self) -> list[CategoryView]:
        """Every category in tree order, with the number of articles filed in each."""
        counts = (
            select(
                KbArticle.category_id,
                func.count().label("total"),
                func.sum(case((KbArticle.status == ArticleStatus.APPROVED, 1), else_=0)).label(
                    "approved"
                ),
            )
            .group_by(KbArticle.category_id)
            .subquery()
        )
        statement = select(KbCategory, counts.c.total, counts.c.approved).outerjoin(
            counts, counts.c.category_id == KbCategory.id
        )
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
        views = [
            repo.category_view(c, int(total or 0), int(approved or 0))
            for c, total, approved in rows
        ]
        return sorted(views, key=lambda view: view.path.split("/"))

    # --- articles -------------------------------------------------------------------------

    async def create_article(
        self, data: ArticleCreate | Mapping[str, Any], *, actor: str, approve: bool = False
    ) -> ArticleView:
        """File a new article as a draft (approved at once if ``approve`` and ``actor`` may)."""
        payload = parse(ArticleCreate, data)
        actor = repo.valid_actor(actor)

        def work(session: Session) -> ArticleView:
            if approve:
                repo.require_supervisor(session, actor, "approve")
            category = repo.category_by_path(session, payload.category)
            now = self.clock()
            article = KbArticle(
                category_id=category.id,
                title=payload.title,
                body=payload.body,
                status=ArticleStatus.APPROVED if approve else ArticleStatus.DRAFT,
                view_count=0,
                version=1,
                created_by=actor,
                created_at=now,
                updated_by=actor,
                updated_at=now,
                approved_by=actor if approve else None,
                approved_at=now if approve else None,
                keywords=[
                    KbArticleKeyword(position=index, keyword=keyword)
                    for index, keyword in enumerate(payload.keywords)
                ],
            )
            session.add(article)
            session.flush()
            self._index.put(session, repo.indexed(article))
            return repo.article_view(session, article)

        return await self._db.run_write(work)

    async def update_article(
        self,
        article_id: int,
        changes: ArticleUpdate | Mapping[str, Any],
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> ArticleView:
        """Change an article; a new title, body or keywords send an approved article to draft.

        With ``expected_version`` the change is refused if someone else changed the
        article since that version (the editor's copy is stale).
        """
        payload = parse(ArticleUpdate, changes)
        actor = repo.valid_actor(actor)

        def work(session: Session) -> ArticleView:
            article = repo.load_article(session, article_id)
            if expected_version is not None and article.version != expected_version:
                raise StaleArticleError(
                    f"article {article_id} is at version {article.version}, "
                    f"not {expected_version}: reload it and edit again",
                    article_id=article_id,
                    version=article.version,
                )
            content_changed = False
            if payload.title is not None and payload.title != article.title:
                article.title, content_changed = payload.title, True
            if payload.body is not None and payload.body != article.body:
                article.body, content_changed = payload.body, True
            if payload.keywords is not None and payload.keywords != [
                k.keyword for k in article.keywords
            ]:
                repo.set_keywords(session, article, payload.keywords)
                content_changed = True
            moved = False
            if payload.category is not None:
                category_id = repo.category_by_path(session, payload.category).id
                moved, article.category_id = category_id != article.category_id, category_id
            if not (content_changed or moved):
                return repo.article_view(session, article)
            article.version += 1
            article.updated_by, article.updated_at = actor, self.clock()
            if content_changed:
                article.status = ArticleStatus.DRAFT
                article.approved_by = article.approved_at = None
                session.flush()
                self._index.put(session, repo.indexed(article))
            return repo.article_view(session, article)

        return await self._db.run_write(work)

    async def approve(self, article_id: int, *, by: str) -> ArticleView:
        """Publish a draft to agents; ``by`` must be an active supervisor or admin."""
        login = repo.valid_actor(by)

        def work(session: Session) -> ArticleView:
            repo.require_supervisor(session, login, "approve")
            article = repo.load_article(session, article_id)
            if article.status is ArticleStatus.APPROVED:
                raise ArticleStatusError(
                    f"article {article_id} is already approved", article_id=article_id
                )
            article.status = ArticleStatus.APPROVED
            article.approved_by, article.approved_at = login, self.clock()
            return repo.article_view(session, article)

        return await self._db.run_write(work)

    async def withdraw(self, article_id: int, *, by: str) -> ArticleView:
        """Take an approved article back to draft (agents stop seeing it)."""
        login = repo.valid_actor(by)

        def work(session: Session) -> ArticleView:
            repo.require_supervisor(session, login, "withdraw")
            article = repo.load_article(session, article_id)
            if article.status is not ArticleStatus.APPROVED:
                raise ArticleStatusError(
                    f"article {article_id} is not approved", article_id=article_id
                )
            article.status = ArticleStatus.DRAFT
            article.approved_by = article.approved_at = None
            return repo.article_view(session, article)

        return await self._db.run_write(work)

    async def delete_article(self, article_id: int, *, by: str) -> None:
        """Delete an article and its index entry; ``by`` must be a supervisor or admin."""
        login = repo.valid_actor(by)

        def work(session: Session) -> None:
            repo.require_supervisor(session, login, "delete")
            article = repo.load_article(session, article_id)
            self._index.remove(session, article.id)
            session.delete(article)

        await self._db.run_write(work)

    async def get(
        self, article_id: int, *, count_view: bool = False, include_drafts: bool = False
    ) -> ArticleView:
        """An article; drafts only with ``include_drafts``; ``count_view`` adds one view."""

        def visible(article: KbArticle) -> KbArticle:
            if not include_drafts and article.status is not ArticleStatus.APPROVED:
                raise ArticleNotFoundError(
                    f"no approved article {article_id}", article_id=article_id
                )
            return article

        if count_view:

            def work(session: Session) -> ArticleView:
                article = visible(repo.load_article(session, article_id))
                article.view_count += 1
                return repo.article_view(session, article)

            return await self._db.run_write(work)
        async with self._db.read() as session:
            return await session.run_sync(
                lambda sync: repo.article_view(
                    sync, visible(repo.load_article(sync, article_id, lock=False))
                )
            )

    async def list_articles(
        self, *, category: str | None = None, include_drafts: bool = True, limit: int = 200
    ) -> list[ArticleSummary]:
        """Articles in tree order of their category, then by title."""
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise InvalidInputError(f"limit must be 1–{LIST_LIMIT_MAX}", limit=limit)
        statement = select(KbArticle, KbCategory.path).join(
            KbCategory, KbCategory.id == KbArticle.category_id
        )
        if category is not None:
            statement = statement.where(repo.in_category(repo.valid_category_path(category)))
        if not include_drafts:
            statement = statement.where(KbArticle.status == ArticleStatus.APPROVED)
        statement = statement.order_by(KbCategory.path, KbArticle.title, KbArticle.id).limit(limit)
        async with self._db.read() as session:
            rows = (await session.execute(statement)).all()
        return [
            ArticleSummary(
                id=article.id,
                title=article.title,
                category=path,
                status=article.status,
                view_count=article.view_count,
                updated_at=article.updated_at,
            )
            for article, path in rows
        ]

    async def search(
        self,
        query: str,
        *,
        include_drafts: bool = False,
        category: str | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Articles holding every word of ``query``, best first, with highlighted snippets.

        Title matches weigh most, then keywords, then the body. Chinese needs no spaces:
        ``无法充电`` finds ``电子狗无法充电，死机``. Agents' searches leave drafts out.
        """
        if len(query) > QUERY_MAX:
            raise InvalidInputError(f"a query has at most {QUERY_MAX} characters")
        if not 1 <= limit <= SEARCH_LIMIT_MAX:
            raise InvalidInputError(f"limit must be 1–{SEARCH_LIMIT_MAX}", limit=limit)
        terms = query_terms(query)
        if not terms:
            raise InvalidInputError("the query has no words to search for", query=query)
        ranked = self._index.ranked(terms).subquery()
        statement = (
            select(KbArticle, KbCategory.path, ranked.c.rank)
            .join(ranked, ranked.c.article_id == KbArticle.id)
            .join(KbCategory, KbCategory.id == KbArticle.category_id)
            .options(selectinload(KbArticle.keywords))
            .order_by(ranked.c.rank.desc(), KbArticle.view_count.desc(), KbArticle.id)
            .limit(limit)
        )
        if not include_drafts:
            statement = statement.where(KbArticle.status == ArticleStatus.APPROVED)
        async with self._db.read() as session:
            if category is not None:
                path = repo.valid_category_path(category)
                await session.run_sync(repo.category_by_path, path)
                statement = statement.where(repo.in_category(path))
            rows = (await session.execute(statement)).all()
        return [
            SearchHit(
                id=article.id,
                title=article.title,
                title_highlights=tuple(find_matches(article.title, terms)),
                category=path,
                keywords=tuple(k.keyword for k in article.keywords),
                status=article.status,
                view_count=article.view_count,
                rank=float(rank),
                snippet=make_snippet(article.body, terms),
            )
            for article, path, rank in rows
        ]


__all__ = ["KnowledgeService"]
