"""Knowledge-base routes: search approved articles, read one."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from crm_core.knowledge.schemas import ArticleView, SearchHit
from cti.http.auth import STAFF
from cti.http.parsing import path_id, query_params
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import RequestBody
from cti.http.serialisers import Serialiser


class KbQuery(RequestBody):
    """``?q=…&limit=…``: words to look for in approved articles."""

    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(10, ge=1, le=50)


@dataclass(frozen=True)
class KbHits:
    """Knowledge-base matches, best first."""

    hits: list[SearchHit]


KB_HITS = Serialiser(KbHits, "KbHits")
ARTICLE = Serialiser(ArticleView, "KbArticle")


async def kb_search(services: Services, caller: Caller) -> KbHits:
    """Approved articles matching every word, best first."""
    query = query_params(caller.request, KbQuery)
    return KbHits(await services.crm.knowledge.search(query.q, limit=query.limit))


async def kb_article(services: Services, caller: Caller) -> ArticleView:
    """One approved article (counts a view)."""
    article_id = path_id(caller.request, "article_id")
    return await services.crm.knowledge.get(article_id, count_view=True)


KNOWLEDGE_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/kb/search", kb_search, "Search the knowledge base", roles=STAFF,
          query=KbQuery, response=KB_HITS, errors=BAD),
    Route("GET", "/api/kb/articles/{article_id}", kb_article, "A knowledge-base article",
          roles=STAFF, response=ARTICLE, errors=(400, 404)),
)  # fmt: skip

__all__ = ["KNOWLEDGE_ROUTES", "KbHits", "KbQuery"]
