"""Errors of the knowledge base."""

from __future__ import annotations

from crm_core.errors import ConflictError, CrmError, NotFoundError


class ArticleNotFoundError(NotFoundError):
    """No such article (or, for an agent's view, no such approved article)."""

    error_id = "article-not-found"


class CategoryNotFoundError(NotFoundError):
    """No category with that path."""

    error_id = "category-not-found"


class DuplicateCategoryError(ConflictError):
    """A category with that path already exists."""

    error_id = "duplicate-category"


class ArticleStatusError(ConflictError):
    """The article's status does not allow the action (approving an approved article)."""

    error_id = "article-status"


class StaleArticleError(ConflictError):
    """The article changed since the version the editor started from."""

    error_id = "stale-article"


class SupervisorRequiredError(CrmError):
    """Approving, withdrawing and deleting articles need an active supervisor or admin."""

    status = 403
    error_id = "not-allowed"


__all__ = [
    "ArticleNotFoundError",
    "ArticleStatusError",
    "CategoryNotFoundError",
    "DuplicateCategoryError",
    "StaleArticleError",
    "SupervisorRequiredError",
]
