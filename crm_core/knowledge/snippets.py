"""Where a query matches an article's text, and the short excerpt a search hit shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm_core.knowledge.tokenize import (
    MAX_WORD_LENGTH,
    RunKind,
    Term,
    normalise_with_offsets,
    runs,
)

#: Characters of body text a snippet shows (without its ellipses).
SNIPPET_WIDTH = 120
Span = tuple[int, int]


@dataclass(frozen=True)
class Snippet:
    """An excerpt of an article; ``highlights`` are the ``[start, end)`` spans that match."""

    text: str
    highlights: tuple[Span, ...]


def _original_span(origins: list[int], start: int, end: int, length: int) -> Span:
    last = origins[end - 1]
    while end < len(origins) and origins[end] == last:
        end += 1
    return origins[start], origins[end] if end < len(origins) else length


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find_matches(text: str, terms: Sequence[Term]) -> list[Span]:
    """The spans of ``text`` (original offsets, sorted, merged) that the query's terms match."""
    normalised, origins = normalise_with_offsets(text)
    spans: list[Span] = []
    for run in runs(normalised):
        for term in terms:
            if term.kind is not run.kind:
                continue
            if run.kind is RunKind.WORD:
                if run.text[:MAX_WORD_LENGTH] == term.tokens[0]:
                    spans.append(_original_span(origins, run.start, run.end, len(text)))
                continue
            found = run.text.find(term.text)
            while found >= 0:
                start = run.start + found
                spans.append(_original_span(origins, start, start + len(term.text), len(text)))
                found = run.text.find(term.text, found + 1)
    return _merge(spans)


def make_snippet(text: str, terms: Sequence[Term], width: int = SNIPPET_WIDTH) -> Snippet:
    """About ``width`` characters of ``text`` around its first match, matches highlighted.

    Without a match in ``text`` (the hit came from the title or the keywords) the
    snippet is the beginning of ``text``. Line breaks become spaces.
    """
    spans = find_matches(text, terms)
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    start = max(0, end - width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    excerpt = "".join(" " if char in "\r\n\t\v\f" else char for char in text[start:end])
    shift = len(lead) - start
    highlights = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start
    )
    return Snippet(text=lead + excerpt + tail, highlights=highlights)


__all__ = ["SNIPPET_WIDTH", "Snippet", "find_matches", "make_snippet"]
