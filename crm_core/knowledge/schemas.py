"""What the knowledge services take (validated models) and return (frozen data objects)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_core.knowledge.models import ArticleStatus
from crm_core.knowledge.snippets import Snippet, Span

TITLE_MAX = 200
#: Long enough for any help article; keeps every token position within what a
#: PostgreSQL ``tsvector`` records (16,383).
BODY_MAX = 15_000
KEYWORD_MAX = 40
KEYWORDS_MAX = 20
CATEGORY_NAME_MAX = 60
CATEGORY_DEPTH_MAX = 8
ACTOR_MAX = 64


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def category_parts(raw: str) -> tuple[str, ...]:
    """The names of a category path such as ``设备/电子狗``; ``ValueError`` if malformed."""
    parts = tuple(" ".join(part.split()) for part in raw.split("/"))
    if not raw.strip() or any(not part for part in parts) or _has_control(raw):
        raise ValueError(f"{raw!r} is not a category path (printable names separated by '/')")
    if len(parts) > CATEGORY_DEPTH_MAX:
        raise ValueError(f"a category path has at most {CATEGORY_DEPTH_MAX} levels")
    for part in parts:
        if len(part) > CATEGORY_NAME_MAX:
            raise ValueError(
                f"category name {part!r} is longer than {CATEGORY_NAME_MAX} characters"
            )
    return parts


def clean_actor(raw: str) -> str:
    """A login or actor name, stripped; ``ValueError`` if empty, too long or not printable."""
    value = raw.strip()
    if not value or len(value) > ACTOR_MAX or _has_control(value):
        raise ValueError(f"{raw!r} is not a user name (1–{ACTOR_MAX} printable characters)")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _title(value: str | None) -> str | None:
    if value is not None and _has_control(value):
        raise ValueError("the title must be one line of printable text")
    return value


def _body(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _has_control(value, allowed="\n\t"):
        raise ValueError("the body holds control characters")
    return value


def _keywords(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    unique: dict[str, str] = {}
    for raw in values:
        keyword = " ".join(unicodedata.normalize("NFKC", raw).split())
        if not keyword or len(keyword) > KEYWORD_MAX or "," in keyword or _has_control(keyword):
            raise ValueError(
                f"keyword {raw!r} must be 1–{KEYWORD_MAX} printable characters without ','"
            )
        unique.setdefault(keyword.casefold(), keyword)
    return list(unique.values())


def _category(value: str | None) -> str | None:
    return None if value is None else "/".join(category_parts(value))


class ArticleCreate(_Input):
    """A new article; ``category`` is the path of an existing category."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX)
    category: str = Field(min_length=1, max_length=600)
    keywords: list[str] = Field(default_factory=list, max_length=KEYWORDS_MAX)

    _check_title = field_validator("title")(_title)
    _check_body = field_validator("body")(_body)
    _check_keywords = field_validator("keywords")(_keywords)
    _check_category = field_validator("category")(_category)


class ArticleUpdate(_Input):
    """Changes to an article; only the fields given change."""

    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    body: str | None = Field(None, min_length=1, max_length=BODY_MAX)
    category: str | None = Field(None, min_length=1, max_length=600)
    keywords: list[str] | None = Field(None, max_length=KEYWORDS_MAX)

    _check_title = field_validator("title")(_title)
    _check_body = field_validator("body")(_body)
    _check_keywords = field_validator("keywords")(_keywords)
    _check_category = field_validator("category")(_category)


@dataclass(frozen=True)
class CategoryView:
    """A category; the counts are of the articles filed directly in it."""

    id: int
    name: str
    path: str
    parent_path: str | None
    depth: int
    article_count: int
    approved_count: int


@dataclass(frozen=True)
class ArticleView:
    """An article in full."""

    id: int
    title: str
    body: str
    category: str
    keywords: tuple[str, ...]
    status: ArticleStatus
    view_count: int
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None


@dataclass(frozen=True)
class ArticleSummary:
    """An article in a list: no body."""

    id: int
    title: str
    category: str
    status: ArticleStatus
    view_count: int
    updated_at: datetime


@dataclass(frozen=True)
class SearchHit:
    """One search result: higher ``rank`` is a better match; ``snippet`` is from the body."""

    id: int
    title: str
    title_highlights: tuple[Span, ...]
    category: str
    keywords: tuple[str, ...]
    status: ArticleStatus
    view_count: int
    rank: float
    snippet: Snippet


__all__ = [
    "ArticleCreate",
    "ArticleSummary",
    "ArticleUpdate",
    "ArticleView",
    "CategoryView",
    "SearchHit",
    "Snippet",
    "category_parts",
    "clean_actor",
]
