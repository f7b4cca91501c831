"""The knowledge base's tokenizer, query terms, snippets and index literals (no database)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_core.knowledge.schemas import category_parts
from crm_core.knowledge.search import (
    IndexedArticle,
    fts5_query,
    tsquery_literal,
    tsvector_literal,
)
from crm_core.knowledge.snippets import find_matches, make_snippet
from crm_core.knowledge.tokenize import RunKind, normalise, query_terms, tokens

CJK = st.sampled_from("电子狗无法充电死机导航仪积分会员卡挂失")
WORDS = st.sampled_from(["gps", "GPS", "Ｇｐｓ", "usb", "map", "2024", "café"])
SEPARATORS = st.sampled_from([" ", "，", "。", "\n", "-", "（", "）"])
cjk_runs = st.text(CJK, min_size=1, max_size=12)
mixed_text = st.lists(st.one_of(cjk_runs, WORDS, SEPARATORS), max_size=12).map("".join)


def contains_in_order(haystack: list[str], needle: tuple[str, ...]) -> bool:
    """Whether ``needle`` appears as consecutive items of ``haystack``."""
    return any(
        tuple(haystack[i : i + len(needle)]) == needle
        for i in range(len(haystack) - len(needle) + 1)
    )


def test_chinese_runs_become_bigrams_and_their_last_character() -> None:
    assert tokens("电子狗无法充电，死机") == [
        *("电子", "子狗", "狗无", "无法", "法充", "充电", "电"),
        *("死机", "机"),
    ]
    assert tokens("狗") == ["狗"]


def test_latin_words_are_normalised_and_case_folded() -> None:
    assert tokens("GPS 导航仪死机") == ["gps", "导航", "航仪", "仪死", "死机", "机"]
    assert tokens("ＧＰＳ导航") == ["gps", "导航", "航"]  # full-width letters, no space
    assert tokens("Straße, v2.0!") == ["strasse", "v2", "0"]
    assert tokens("cafe\u0301") == tokens("café") == ["café"]
    assert tokens("，。！ ...") == []


def test_queries_are_phrases_of_bigrams_words_or_one_character_prefixes() -> None:
    terms = query_terms("无法充电 GPS 狗 gps")
    assert [(t.tokens, t.prefix, t.kind) for t in terms] == [
        (("无法", "法充", "充电"), False, RunKind.CJK),
        (("gps",), False, RunKind.WORD),
        (("狗",), True, RunKind.CJK),
    ]
    assert [t.text for t in query_terms("GPS死机")] == ["gps", "死机"]
    assert query_terms(" ，。") == ()


def test_fts5_and_tsquery_expressions() -> None:
    terms = query_terms("无法充电 GPS 狗")
    assert fts5_query(terms) == '"无法 法充 充电" AND "gps" AND "狗"*'
    assert tsquery_literal(terms) == "('无法' <-> '法充' <-> '充电') & ('gps') & ('狗':*)"


def test_tsvector_weights_title_keywords_and_body() -> None:
    document = tsvector_literal(
        IndexedArticle(article_id=1, title="GPS 死机", keywords=["GPS"], body="死机")
    )
    assert document == "'gps':1A,4B '死机':2A,5D '机':3A,6D"


def test_tsvector_caps_positions_per_lexeme() -> None:
    document = tsvector_literal(
        IndexedArticle(article_id=1, title="t", keywords=[], body="go " * 1000)
    )
    assert document.count(",") == 255


def test_snippets_highlight_matches_in_the_original_text() -> None:
    body = "客户反映电子狗无法充电，死机。请先检查ＧＰＳ天线。"
    snippet = make_snippet(body, query_terms("充电 gps"))
    assert snippet.text == body
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["充电", "ＧＰＳ"]
    long_body = "前言。" * 60 + "电子狗无法充电，死机。" + "附录。" * 60
    snippet = make_snippet(long_body, query_terms("无法充电"), width=40)
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["无法充电"]
    first_lines = make_snippet("第一行\n第二行", query_terms("冰箱"))
    assert (first_lines.text, first_lines.highlights) == ("第一行 第二行", ())


def test_latin_words_highlight_only_whole_words() -> None:
    assert find_matches("gpsx GPS gps.", query_terms("gps")) == [(5, 8), (9, 12)]


def test_category_paths() -> None:
    assert category_parts(" 设备 / 电子狗 ") == ("设备", "电子狗")
    assert category_parts("Help  desk/Points") == ("Help desk", "Points")
    for bad in ("", "/", "a//b", "a/", "x" * 61, "a\nb", "/".join("abcdefghi")):
        with pytest.raises(ValueError):
            category_parts(bad)


@given(run=cjk_runs, data=st.data())
def test_every_substring_of_a_chinese_run_is_found_as_consecutive_tokens(
    run: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(run) - 1))
    end = data.draw(st.integers(start + 1, len(run)))
    (term,) = query_terms(run[start:end])
    document = tokens(f"前缀 {run}。后缀")
    if term.prefix:
        assert any(token.startswith(term.tokens[0]) for token in document)
    else:
        assert contains_in_order(document, term.tokens)


@given(text=mixed_text)
def test_tokens_do_not_depend_on_case_or_width(text: str) -> None:
    assert tokens(text.upper()) == tokens(text.lower()) == tokens(normalise(text))
    assert tokens(unicodedata.normalize("NFKC", text)) == tokens(text)


@given(text=mixed_text, query=mixed_text)
def test_highlights_are_spans_of_the_text_that_match_a_term(text: str, query: str) -> None:
    terms = query_terms(query)
    texts = {term.text for term in terms}
    for start, end in find_matches(text, terms):
        assert 0 <= start < end <= len(text)
        matched = normalise(text[start:end])
        assert any(needle in matched for needle in texts)
    snippet = make_snippet(text, terms, width=20)
    for start, end in snippet.highlights:
        assert 0 <= start < end <= len(snippet.text)
