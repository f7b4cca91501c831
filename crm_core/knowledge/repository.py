"""Knowledge-base persistence inside one unit of work: loading, creating and viewing rows.

Also the edge checks shared by every service method (actor names, category paths) that
turn malformed input into :class:`~crm_core.errors.InvalidInputError`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from crm_core.errors import InvalidInputError
from crm_core.knowledge.exceptions import (
    ArticleNotFoundError,
    CategoryNotFoundError,
    SupervisorRequiredError,
)
from crm_core.knowledge.models import KbArticle, KbArticleKeyword, KbCategory
from crm_core.knowledge.schemas import ArticleView, CategoryView, category_parts, clean_actor
from crm_core.knowledge.search import IndexedArticle
from crm_core.loyalty.services import Clock
from crm_core.staff.models import Role, User


def valid_actor(raw: str) -> str:
    """A user name for the record, or :class:`InvalidInputError`."""
    try:
        return clean_actor(raw)
    except ValueError as error:
        raise InvalidInputError(str(error), actor=raw) from None


def valid_category_path(raw: str) -> str:
    """A category path in canonical form (``设备/电子狗``), or :class:`InvalidInputError`."""
    try:
        return "/".join(category_parts(raw))
    except ValueError as error:
        raise InvalidInputError(str(error), category=raw) from None


def category_by_path(session: Session, path: str) -> KbCategory:
    """The category at ``path``, or :class:`CategoryNotFoundError`."""
    category = session.scalars(select(KbCategory).where(KbCategory.path == path)).one_or_none()
    if category is None:
        raise CategoryNotFoundError(f"no category {path!r}", category=path)
    return category


def in_category(path: str) -> ColumnElement[bool]:
    """A condition on ``KbCategory.path``: the category at ``path`` or any below it."""
    return or_(KbCategory.path == path, KbCategory.path.startswith(path + "/", autoescape=True))


def ensure_category(session: Session, parts: tuple[str, ...], clock: Clock) -> KbCategory:
    """The category named by ``parts``, created with any missing parents."""
    parent: KbCategory | None = None
    for depth in range(1, len(parts) + 1):
        path = "/".join(parts[:depth])
        node = session.scalars(select(KbCategory).where(KbCategory.path == path)).one_or_none()
        if node is None:
            node = KbCategory(
                parent_id=parent.id if parent else None,
                name=parts[depth - 1],
                path=path,
                created_at=clock(),
            )
            session.add(node)
            session.flush()
        parent = node
    assert parent is not None
    return parent


def category_view(category: KbCategory, total: int = 0, approved: int = 0) -> CategoryView:
    """The data object of a category, with its article counts."""
    parent_path, _, _ = category.path.rpartition("/")
    return CategoryView(
        id=category.id,
        name=category.name,
        path=category.path,
        parent_path=parent_path or None,
        depth=category.path.count("/") + 1,
        article_count=total,
        approved_count=approved,
    )


def load_article(session: Session, article_id: int, *, lock: bool = True) -> KbArticle:
    """An article with its keywords, row-locked unless ``lock`` is false."""
    statement = (
        select(KbArticle)
        .where(KbArticle.id == article_id)
        .options(selectinload(KbArticle.keywords))
    )
    article = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if article is None:
        raise ArticleNotFoundError(f"no article {article_id}", article_id=article_id)
    return article


def article_view(session: Session, article: KbArticle) -> ArticleView:
    """The data object of a loaded article."""
    path = session.scalar(select(KbCategory.path).where(KbCategory.id == article.category_id))
    assert path is not None
    return ArticleView(
        id=article.id,
        title=article.title,
        body=article.body,
        category=path,
        keywords=tuple(k.keyword for k in article.keywords),
        status=article.status,
        view_count=article.view_count,
        version=article.version,
        created_by=article.created_by,
        created_at=article.created_at,
        updated_by=article.updated_by,
        updated_at=article.updated_at,
        approved_by=article.approved_by,
        approved_at=article.approved_at,
    )


def indexed(article: KbArticle) -> IndexedArticle:
    """What the search index stores of an article."""
    return IndexedArticle(
        article_id=article.id,
        title=article.title,
        keywords=[k.keyword for k in article.keywords],
        body=article.body,
    )


def require_supervisor(session: Session, login: str, action: str) -> str:
    """``login`` if it is an active supervisor or admin, else :class:`SupervisorRequiredError`."""
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None or not user.active or user.role is Role.AGENT:
        raise SupervisorRequiredError(
            f"{login!r} may not {action} articles: that needs an active supervisor or admin",
            login=login,
        )
    return login


def set_keywords(session: Session, article: KbArticle, keywords: list[str]) -> None:
    """Replace an article's keywords."""
    article.keywords.clear()
    session.flush()  # old rows go before new ones take their (article, keyword) pairs
    article.keywords.extend(
        KbArticleKeyword(position=index, keyword=keyword) for index, keyword in enumerate(keywords)
    )
