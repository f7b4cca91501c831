"""Search tokens for mixed Chinese and Latin text: pure functions, no database.

Chinese is written without spaces, so no word list decides where its words end. A run
of Chinese (CJK) characters is indexed as its overlapping character bigrams followed by
its last character alone: ``电子狗`` → ``电子 子狗 狗``. Every character of the run then
starts exactly one token, and every substring of the run is a run of consecutive tokens.
Any other run of letters and digits (Latin, Cyrillic, Thai…) is one word token. Text is
NFKC-normalised and case-folded first, so ``ＧＰＳ``, ``GPS`` and ``gps`` are one token.

A query is the AND of its terms, each found the way the index was built:

- a word must be a token of the document (``gps``);
- a Chinese run of two or more characters must appear as consecutive bigrams, i.e. as
  a substring of one run of the document (``无法充电`` → the phrase ``无法 法充 充电``);
- a single Chinese character matches any token that starts with it (a prefix).

Both databases index the same tokens (:mod:`crm_core.knowledge.search`), so SQLite and
PostgreSQL answer a query alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

#: Longer words are cut to this many characters (in the index and in queries alike).
MAX_WORD_LENGTH = 64

# Han (with extensions and compatibility ideographs), kana, Hangul, and the ideographic
# iteration/closing marks 々〆〇: scripts written without spaces between words.
_CJK_RANGES = (
    (0x3005, 0x3007),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x30000, 0x323AF),
)


class RunKind(Enum):
    """What a run of normalised text is."""

    CJK = "cjk"
    WORD = "word"


@dataclass(frozen=True)
class Run:
    """A maximal run of one kind in normalised text, with its character offsets."""

    kind: RunKind
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Term:
    """One AND-ed part of a query.

    ``text`` is the normalised text the user typed (what a snippet highlights),
    ``tokens`` the index tokens that must follow each other in the document, and
    ``prefix`` says the last token only has to start with ``tokens[-1]``.
    """

    text: str
    tokens: tuple[str, ...]
    prefix: bool
    kind: RunKind


def is_cjk(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces (Chinese, Japanese, Korean)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalised ``text`` and, for each of its characters, the offset it came from in ``text``.

    Each base character is normalised with the combining marks that follow it, so a
    decomposed ``é`` becomes one character as NFKC would make it.
    """
    out: list[str] = []
    origins: list[int] = []
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and unicodedata.category(text[end]).startswith("M"):
            end += 1
        piece = unicodedata.normalize("NFKC", text[index:end]).casefold()
        out.append(piece)
        origins.extend([index] * len(piece))
        index = end
    return "".join(out), origins


def normalise(text: str) -> str:
    """``text`` as the index sees it (NFKC, case-folded)."""
    return normalise_with_offsets(text)[0]


def runs(normalised: str) -> Iterator[Run]:
    """The CJK runs and word runs of already normalised text, in order."""
    kind: RunKind | None = None
    start = 0
    for index, char in enumerate(normalised):
        here = RunKind.CJK if is_cjk(char) else RunKind.WORD if _is_word_char(char) else None
        if here is not kind:
            if kind is not None:
                yield Run(kind, normalised[start:index], start, index)
            kind, start = here, index
    if kind is not None:
        yield Run(kind, normalised[start:], start, len(normalised))


def _run_tokens(run: Run) -> list[str]:
    if run.kind is RunKind.WORD:
        return [run.text[:MAX_WORD_LENGTH]]
    chars = run.text
    return [chars[i : i + 2] for i in range(len(chars) - 1)] + [chars[-1]]


def tokens(text: str) -> list[str]:
    """The index tokens of ``text`` in order (duplicates kept: positions matter)."""
    return [token for run in runs(normalise(text)) for token in _run_tokens(run)]


def _term(run: Run) -> Term:
    if run.kind is RunKind.WORD:
        return Term(run.text, (run.text[:MAX_WORD_LENGTH],), prefix=False, kind=run.kind)
    if len(run.text) == 1:
        return Term(run.text, (run.text,), prefix=True, kind=run.kind)
    bigrams = tuple(run.text[i : i + 2] for i in range(len(run.text) - 1))
    return Term(run.text, bigrams, prefix=False, kind=run.kind)


def query_terms(query: str) -> tuple[Term, ...]:
    """The terms of a search query, duplicates dropped, in the order typed."""
    terms: dict[tuple[tuple[str, ...], bool], Term] = {}
    for run in runs(normalise(query)):
        term = _term(run)
        terms.setdefault((term.tokens, term.prefix), term)
    return tuple(terms.values())


__all__ = [
    "MAX_WORD_LENGTH",
    "Run",
    "RunKind",
    "Term",
    "is_cjk",
    "normalise",
    "normalise_with_offsets",
    "query_terms",
    "runs",
    "tokens",
]
