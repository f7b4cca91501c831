"""Whole blocks of queue_log text into a :class:`~cti.kpi.StintBook`, fast (stdlib only).

Reading a file through :func:`cti.kpi.parse_line` builds a line object for every line.
Here a block of whole lines is cut with ``str.split`` (in C), each line checked with the
same rules as :func:`cti.kpi.parse_line` (a block with a carriage return or a NUL is read
through it instead), and only the lines that begin, end or block a stint go on to the
book, as their fields: the others (pauses, members, ring-no-answers: about a third of a
day's lines) make no object. At the first line that does not fit, :func:`parse_line`
refuses it with its reason. Either way the stints are those of :meth:`StintBook.feed`.
"""

from __future__ import annotations

from cti.kpi.queue_log import _TIME, _VERB, MAX_LINE, VERBS, parse_line
from cti.kpi.stints import STINT_VERBS, StintBook


def _slowly(book: StintBook, texts: list[str]) -> None:
    for text in texts:
        book.feed(parse_line(text))


def feed_block(book: StintBook, block: str) -> int:
    """Feed ``book`` every line of ``block`` (lines as written, ``\\n`` between them), in
    order; the number of lines. :class:`cti.kpi.QueueLogError` at the first line that
    cannot be read (the lines before it are taken)."""
    texts = block.split("\n")  # not splitlines: a lone \r stays in its line, refused
    if block.endswith("\n") or not block:
        texts.pop()
    if "\r" in block or "\x00" in block:
        _slowly(book, texts)
        return len(texts)
    take, stint_verbs, verbs = book.take, STINT_VERBS, VERBS
    for text in texts:
        parts = text.split("|", 5)
        if len(parts) < 5 or len(text) > MAX_LINE:
            parse_line(text)  # refuses it, with the reason
        stamp, call_id, queue, agent, event = parts[0], parts[1], parts[2], parts[3], parts[4]
        if (
            not (stamp.isdigit() and len(stamp) <= 12 and stamp.isascii())
            and not _TIME.fullmatch(stamp)
        ) or (event not in verbs and not _VERB.fullmatch(event)):
            parse_line(text)
        if not call_id or not queue or not agent:
            parse_line(text)
        if event in stint_verbs:
            take(float(stamp), call_id, queue, agent, event,
                 parts[5].split("|") if len(parts) > 5 else ())  # fmt: skip
    return len(texts)


__all__ = ["feed_block"]
