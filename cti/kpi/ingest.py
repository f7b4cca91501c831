"""Whole blocks of queue_log text into a :class:`~cti.kpi.StintBook`, fast (stdlib only).

Reading a file line by line in Python (split, check, build a line, feed it) costs about
ten times a plain split of every line. Here a block of whole lines is checked by one
regular expression in C (every line must have the form :func:`cti.kpi.parse_line`
accepts), and only the lines that begin, end or block a stint are taken into Python,
their fields cut by a second expression; the others (pauses, members, ring-no-answers:
about a third of a day's lines) never leave C. A block with any line that does not fit
is read line by line through :func:`cti.kpi.parse_line`, which refuses the first bad
line with its reason. Either way the stints are those of :meth:`StintBook.feed`.
"""

from __future__ import annotations

import re

from cti.kpi.queue_log import MAX_LINE, parse_line
from cti.kpi.stints import STINT_VERBS, StintBook

_HEAD = r"([0-9]{1,12}(?:\.[0-9]{1,9})?)\|([^|\n\r\x00]+)\|([^|\n\r\x00]+)\|([^|\n\r\x00]+)\|"
_WELL_FORMED = re.compile(
    rf"^(?=[^\n]{{0,{MAX_LINE}}}$)[0-9]{{1,12}}(?:\.[0-9]{{1,9}})?"
    r"(?:\|[^|\n\r\x00]+){3}\|[A-Z][A-Z0-9_]{1,31}(?:\|[^\n\r\x00]*)?$",
    re.MULTILINE,
)
"""A line :func:`parse_line` accepts."""
_STINT_LINE = re.compile(
    rf"^{_HEAD}({'|'.join(sorted(STINT_VERBS))})(?:\|([^\n]*))?$", re.MULTILINE
)
"""A line that begins, ends or blocks a stint: time, call, queue, agent, verb, data."""


def _whole_lines(block: str) -> int:
    """How many lines ``block`` holds (a last line without its newline counts)."""
    return block.count("\n") + (0 if not block or block.endswith("\n") else 1)


def feed_block(book: StintBook, block: str) -> int:
    """Feed ``book`` every line of ``block`` (lines as written, ``\\n`` between them), in
    order; the number of lines. :class:`cti.kpi.QueueLogError` at the first line that
    cannot be read (the lines before it are taken)."""
    lines = _whole_lines(block)
    if sum(1 for _ in _WELL_FORMED.finditer(block)) != lines:
        texts = block.split("\n")  # not splitlines: a lone \r stays in its line, refused
        for text in texts[:-1] if block.endswith("\n") else texts:
            book.feed(parse_line(text))
        return lines
    take = book.take
    for match in _STINT_LINE.finditer(block):
        stamp, call_id, queue, agent, event, data = match.groups()
        take(float(stamp), call_id, queue, agent, event, data.split("|") if data else ())
    return lines


__all__ = ["feed_block"]
