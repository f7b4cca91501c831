"""The knowledge base on SQLite (FTS5) and PostgreSQL (tsvector): articles, approval, search."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from crm_core.db.engine import Database, create_engine
from crm_core.db.metadata import metadata
from crm_core.errors import InvalidInputError
from crm_core.knowledge.demo import DEMO_ARTICLES, seed_demo_articles
from crm_core.knowledge.exceptions import (
    ArticleNotFoundError,
    ArticleStatusError,
    CategoryNotFoundError,
    DuplicateCategoryError,
    StaleArticleError,
    SupervisorRequiredError,
)
from crm_core.knowledge.models import ArticleStatus, KbArticle, KbArticleKeyword, KbCategory
from crm_core.knowledge.services import KnowledgeService
from crm_core.knowledge.tokenize import RunKind, normalise, query_terms, runs
from crm_core.staff.models import Role, User
from crm_core.wiring import Crm
from tests.conftest import START, Clock


@pytest.fixture
async def kb(any_crm: Crm, clock: Clock) -> KnowledgeService:
    """The knowledge service over the test's database, with two supervisors and an agent."""
    await add_user(any_crm.db, "sup1", Role.SUPERVISOR)
    await add_user(any_crm.db, "admin", Role.ADMIN)
    await add_user(any_crm.db, "agent7", Role.AGENT)
    await add_user(any_crm.db, "gone", Role.SUPERVISOR, active=False)
    return KnowledgeService(db=any_crm.db, clock=clock)


async def add_user(db: Database, login: str, role: Role, *, active: bool = True) -> None:
    def work(session: Session) -> None:
        session.add(User(login=login, display_name=login, role=role, active=active))

    await db.run_write(work)


async def kb_state(db: Database) -> dict[str, list[Any]]:
    """Every row of the knowledge tables and of the search index."""
    index = (
        "SELECT rowid, title, keywords, body FROM kb_search"
        if db.is_sqlite
        else "SELECT article_id, document::text FROM kb_search"
    )
    async with db.read() as session:
        state = {
            table.name: sorted((await session.execute(select(table))).all(), key=repr)
            for table in (KbCategory.__table__, KbArticle.__table__, KbArticleKeyword.__table__)
        }
        state["kb_search"] = sorted((await session.execute(text(index))).all(), key=repr)
    return state


async def article(
    kb: KnowledgeService,
    title: str,
    body: str,
    category: str = "设备",
    keywords: tuple[str, ...] = (),
    *,
    approved: bool = True,
) -> int:
    await kb.ensure_category(category)
    created = await kb.create_article(
        {"title": title, "body": body, "category": category, "keywords": list(keywords)},
        actor="author1",
    )
    if approved:
        await kb.approve(created.id, by="sup1")
    return created.id


async def found(kb: KnowledgeService, query: str, **options: Any) -> list[int]:
    return [hit.id for hit in await kb.search(query, **options)]


async def test_chinese_needs_no_spaces_and_latin_ignores_case(kb: KnowledgeService) -> None:
    dog = await article(kb, "电子狗故障", "电子狗无法充电，死机", keywords=("电子狗",))
    gps = await article(kb, "GPS 导航仪死机", "长按电源键重启。", "设备/导航仪")
    fridge = await article(kb, "冰箱不制冷", "检查电源与温控器。")
    assert await found(kb, "充电") == [dog]  # two characters: what trigrams cannot find
    assert await found(kb, "无法充电") == [dog]
    assert await found(kb, "电子狗无法充电，死机") == [dog]
    assert await found(kb, "gps") == await found(kb, "GPS") == await found(kb, "ＧＰＳ") == [gps]
    assert await found(kb, "GPS 死机") == await found(kb, "GPS死机") == [gps]
    assert set(await found(kb, "死机")) == {dog, gps}
    assert set(await found(kb, "电源")) == {gps, fridge}
    assert await found(kb, "狗") == [dog]  # one character: a prefix of the bigrams
    assert await found(kb, "充死") == []  # not a substring of any text
    assert await found(kb, "无法死机") == []
    assert await found(kb, "GPS 冰箱") == []  # every term must match
    hit = (await kb.search("无法充电"))[0]
    assert (hit.title, hit.category, hit.status, hit.keywords) == (
        "电子狗故障",
        "设备",
        ArticleStatus.APPROVED,
        ("电子狗",),
    )
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.highlights] == ["无法充电"]
    gps_hit = (await kb.search("gps"))[0]
    assert [gps_hit.title[s:e] for s, e in gps_hit.title_highlights] == ["GPS"]


async def test_title_matches_rank_above_keywords_above_body(kb: KnowledgeService) -> None:
    body_only = await article(kb, "常见问题", "如果设备死机，请重启。")
    in_keywords = await article(kb, "故障处理", "请重启。", keywords=("死机",))
    in_title = await article(kb, "设备死机", "请重启。")
    await article(kb, "积分规则", "积分两年有效。")
    hits = await kb.search("死机")
    assert [hit.id for hit in hits] == [in_title, in_keywords, body_only]
    assert hits[0].rank > hits[1].rank > hits[2].rank


async def test_agents_see_approved_articles_only(kb: KnowledgeService, any_crm: Crm) -> None:
    draft = await article(kb, "充电器更换流程", "更换充电器前核对保修期。", approved=False)
    assert await found(kb, "充电器") == []
    assert await found(kb, "充电器", include_drafts=True) == [draft]
    with pytest.raises(ArticleNotFoundError):
        await kb.get(draft)
    assert (await kb.get(draft, include_drafts=True)).status is ArticleStatus.DRAFT

    before = await kb_state(any_crm.db)
    for login in ("agent7", "gone", "nobody"):
        with pytest.raises(SupervisorRequiredError):
            await kb.approve(draft, by=login)
    with pytest.raises(ArticleStatusError):
        await kb.withdraw(draft, by="sup1")
    with pytest.raises(ArticleNotFoundError):
        await kb.approve(9999, by="sup1")
    assert await kb_state(any_crm.db) == before

    approved = await kb.approve(draft, by="admin")
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        ArticleStatus.APPROVED,
        "admin",
        START,
    )
    assert await found(kb, "充电器") == [draft]
    with pytest.raises(ArticleStatusError):
        await kb.approve(draft, by="sup1")
    withdrawn = await kb.withdraw(draft, by="sup1")
    assert (withdrawn.status, withdrawn.approved_by) == (ArticleStatus.DRAFT, None)
    assert await found(kb, "充电器") == []


async def test_a_supervisor_can_file_an_approved_article_at_once(
    kb: KnowledgeService, any_crm: Crm
) -> None:
    await kb.ensure_category("会员")
    data = {"title": "挂失", "body": "会员卡挂失。", "category": "会员"}
    direct = await kb.create_article(data, actor="sup1", approve=True)
    assert (direct.status, direct.approved_by, direct.created_by) == (
        ArticleStatus.APPROVED,
        "sup1",
        "sup1",
    )
    before = await kb_state(any_crm.db)
    with pytest.raises(SupervisorRequiredError):
        await kb.create_article(data, actor="agent7", approve=True)
    assert await kb_state(any_crm.db) == before


async def test_the_index_follows_edits_moves_and_deletes(
    kb: KnowledgeService, any_crm: Crm, clock: Clock
) -> None:
    first = await article(kb, "电子狗充电", "充电时指示灯不亮。", keywords=("充电",))
    await kb.create_category("设备/电子狗")
    clock.advance(hours=1)
    moved = await kb.update_article(first, {"category": "设备/电子狗"}, actor="author2")
    assert (moved.category, moved.status, moved.version) == ("设备/电子狗", "approved", 2)
    edited = await kb.update_article(
        first,
        {"body": "开机后屏幕黑屏。", "keywords": ["黑屏", "开机"]},
        actor="author2",
        expected_version=2,
    )
    assert (edited.version, edited.keywords, edited.updated_by, edited.updated_at) == (
        3,
        ("黑屏", "开机"),
        "author2",
        clock(),
    )
    assert (edited.status, edited.approved_by) == (ArticleStatus.DRAFT, None)  # re-approve
    assert await found(kb, "指示灯", include_drafts=True) == []
    assert await found(kb, "黑屏", include_drafts=True) == [first]
    assert await found(kb, "开机", include_drafts=True) == [first]
    assert await found(kb, "充电", include_drafts=True) == [first]  # still in the title
    unchanged = await kb.update_article(first, {"title": "电子狗充电"}, actor="x")
    assert unchanged.version == 3

    before = await kb_state(any_crm.db)
    with pytest.raises(StaleArticleError):
        await kb.update_article(first, {"title": "新"}, actor="x", expected_version=2)
    with pytest.raises(SupervisorRequiredError):
        await kb.delete_article(first, by="agent7")
    assert await kb_state(any_crm.db) == before

    await kb.delete_article(first, by="sup1")
    assert await found(kb, "黑屏", include_drafts=True) == []
    state = await kb_state(any_crm.db)
    assert (state["kb_articles"], state["kb_article_keywords"], state["kb_search"]) == ([], [], [])
    with pytest.raises(ArticleNotFoundError):
        await kb.delete_article(first, by="sup1")


async def test_views_are_counted_when_asked(kb: KnowledgeService) -> None:
    shown = await article(kb, "积分查询", "按 1 查询积分。")
    draft = await article(kb, "草稿", "未审核。", approved=False)
    assert (await kb.get(shown)).view_count == 0
    assert (await kb.get(shown, count_view=True)).view_count == 1
    assert (await kb.get(shown, count_view=True)).view_count == 2
    assert (await kb.search("积分"))[0].view_count == 2
    with pytest.raises(ArticleNotFoundError):
        await kb.get(draft, count_view=True)
    assert (await kb.get(draft, include_drafts=True)).view_count == 0


async def test_category_tree_and_filtered_search(kb: KnowledgeService) -> None:
    await kb.create_category("设备/电子狗")
    with pytest.raises(DuplicateCategoryError):
        await kb.create_category(" 设备 / 电子狗 ")
    await article(kb, "电子狗死机", "重启。", "设备/电子狗")
    await article(kb, "导航仪死机", "重启。", "设备/导航仪")
    await article(kb, "系统死机", "重启。", "设备_x")  # '_' is no LIKE wildcard here
    await article(kb, "草稿死机", "重启。", "设备", approved=False)
    tree = await kb.categories()
    assert [(c.path, c.depth, c.parent_path, c.approved_count, c.article_count) for c in tree] == [
        ("设备", 1, None, 0, 1),
        ("设备/导航仪", 2, "设备", 1, 1),
        ("设备/电子狗", 2, "设备", 1, 1),
        ("设备_x", 1, None, 1, 1),
    ]
    titles = [hit.title for hit in await kb.search("死机", category="设备")]
    assert sorted(titles) == ["导航仪死机", "电子狗死机"]
    assert [hit.title for hit in await kb.search("死机", category="设备/电子狗")] == ["电子狗死机"]
    listed = await kb.list_articles(category="设备", include_drafts=False)
    assert [a.title for a in listed] == ["导航仪死机", "电子狗死机"]
    with pytest.raises(CategoryNotFoundError):
        await kb.search("死机", category="家电")


async def test_bad_input_is_refused_and_changes_nothing(kb: KnowledgeService, any_crm: Crm) -> None:
    await article(kb, "电子狗", "充电。")
    before = await kb_state(any_crm.db)
    good = {"title": "标题", "body": "正文", "category": "设备"}
    for bad in (
        {**good, "title": " "},
        {**good, "title": "两行\n标题"},
        {**good, "title": "长" * 201},
        {**good, "body": ""},
        {**good, "body": "响铃\x07"},
        {**good, "body": "字" * 15_001},
        {**good, "keywords": ["a,b"]},
        {**good, "keywords": [""]},
        {**good, "keywords": ["词" * 41]},
        {**good, "keywords": [str(n) for n in range(21)]},
        {**good, "category": "设备//电子狗"},
        {**good, "status": "approved"},
        {"title": "标题", "body": "正文"},
    ):
        with pytest.raises(InvalidInputError):
            await kb.create_article(bad, actor="author1")
    with pytest.raises(InvalidInputError):
        await kb.create_article(good, actor=" ")
    with pytest.raises(CategoryNotFoundError):
        await kb.create_article({**good, "category": "家电"}, actor="author1")
    for query, options in (
        ("", {}),
        ("，。！", {}),
        ("长" * 201, {}),
        ("充电", {"limit": 0}),
        ("充电", {"limit": 101}),
        ("充电", {"category": "a//b"}),
    ):
        with pytest.raises(InvalidInputError):
            await kb.search(query, **options)
    with pytest.raises(InvalidInputError):
        await kb.update_article(1, {"title": ""}, actor="x")
    with pytest.raises(InvalidInputError):
        await kb.create_category("a/" * 9)
    with pytest.raises(ArticleNotFoundError):
        await kb.update_article(999, {"title": "新"}, actor="x")
    assert await kb_state(any_crm.db) == before


async def test_keywords_are_normalised_and_deduplicated(kb: KnowledgeService) -> None:
    await kb.ensure_category("设备")
    created = await kb.create_article(
        {
            "title": "导航",
            "body": "正文",
            "category": "设备",
            "keywords": [" GPS ", "gps", "ＧＰＳ", "map  update"],
        },
        actor="a",
    )
    assert created.keywords == ("GPS", "map update")
    assert await found(kb, "update", include_drafts=True) == [created.id]


async def test_the_longest_articles_are_searchable_to_their_end(kb: KnowledgeService) -> None:
    repeated = await article(kb, "重复", "go " * 4000 + "结尾")  # > 256 positions of a word
    body = ("电子狗无法充电，死机。" * 1500)[: 15_000 - 4] + "结尾标记"
    chinese = await article(kb, "长" * 200, body, keywords=tuple(f"关键词{n}" for n in range(20)))
    assert set(await found(kb, "结尾")) == {repeated, chinese}
    assert await found(kb, "结尾标记") == [chinese]
    assert await found(kb, "go 结尾") == [repeated]
    snippet = (await kb.search("结尾标记"))[0].snippet
    assert snippet.text.startswith("…") and snippet.text.endswith("结尾标记")


async def test_demo_articles_are_found_in_both_languages(kb: KnowledgeService) -> None:
    filed = await seed_demo_articles(kb, approver="sup1")
    assert len(filed) == len(DEMO_ARTICLES)
    assert await seed_demo_articles(kb, approver="sup1") == []  # already there
    titles = [hit.title for hit in await kb.search("无法充电")]
    assert titles == ["电子狗无法充电怎么办"]
    assert {hit.title for hit in await kb.search("GPS")} == {
        "GPS 导航仪死机",
        "GPS navigator freezes after a map update",
    }
    assert [hit.title for hit in await kb.search("points expire")] == ["How loyalty points expire"]


async def test_search_index_tables_are_the_only_difference_from_the_models(any_url: str) -> None:
    unmanaged = metadata.info["unmanaged_tables"]

    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        return not (type_ == "table" and name in unmanaged)

    engine = create_engine(any_url)
    try:
        async with engine.connect() as connection:

            def differences(sync_connection: Connection) -> list[Any]:
                context = MigrationContext.configure(
                    sync_connection, opts={"compare_type": True, "include_name": include_name}
                )
                return [
                    diff
                    for diff in compare_metadata(context, metadata)
                    if "kb_" in repr(diff)  # other work may be mid-migration
                ]

            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


# --- property: the database finds exactly what the rule says ----------------------------

CHARS = "电子狗无法充电死机导航"
texts = st.lists(
    st.one_of(
        st.text(st.sampled_from(CHARS), min_size=1, max_size=8),
        st.sampled_from(["gps", "GPS", "usb", " ", "，"]),
    ),
    min_size=1,
    max_size=6,
).map("".join)
_categories = itertools.count(1)


def should_match(document: str, query: str) -> bool:
    """Every Chinese run of the query inside one Chinese run of the text, every word a word."""
    doc_runs = list(runs(normalise(document)))
    return all(
        any(
            run.kind is term.kind
            and (term.text in run.text if run.kind is RunKind.CJK else term.text == run.text)
            for run in doc_runs
        )
        for term in query_terms(query)
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(documents=st.lists(texts, min_size=1, max_size=3), query=texts, data=st.data())
async def test_search_finds_exactly_the_matching_articles(
    kb: KnowledgeService, documents: list[str], query: str, data: st.DataObject
) -> None:
    if data.draw(st.booleans(), label="query is a piece of a document"):
        source = data.draw(st.sampled_from(documents))
        start = data.draw(st.integers(0, len(source) - 1))
        query = source[start : data.draw(st.integers(start + 1, len(source)))]
    if not query_terms(query):
        return
    category = f"property/{next(_categories)}"
    await kb.ensure_category(category)
    ids = {}
    for document in documents:
        created = await kb.create_article(
            {"title": "—", "body": f"{document}。", "category": category}, actor="p"
        )
        ids[created.id] = document
    hits = await found(kb, query, include_drafts=True, category=category, limit=10)
    assert set(hits) == {id_ for id_, document in ids.items() if should_match(document, query)}
