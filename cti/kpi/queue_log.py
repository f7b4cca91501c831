"""Asterisk's queue_log lines, read as Asterisk 22 writes them (stdlib only).

A line is ``epoch|callid|queue|agent|event|data1|…``: the time in epoch seconds (whole
seconds from the file; a fraction is kept when a realtime table or a converter gives
one), the caller channel's unique id (``NONE`` for lines about no call), the queue
(``NONE`` for ``PAUSEALL``/``UNPAUSEALL`` and ``QUEUESTART``), the member (``NONE`` when
no member is concerned), the verb and up to five data fields (the realtime table keeps
the remainder in the fifth: the ``LINK`` form of ``ATTENDEDTRANSFER`` has six).

The fields are taken as they are, never repaired: a line that does not parse is refused
with the reason, and a caller of :func:`parse_line` reports it with its line number.
"""

from __future__ import annotations

import re
from typing import NamedTuple

NONE = "NONE"
"""What Asterisk writes in the call id, queue or agent column when there is none."""

_VERB = re.compile(r"[A-Z][A-Z0-9_]{1,31}")
_TIME = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
VERBS = frozenset(
    {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITWITHKEY",
        "EXITEMPTY",
        "WITHDRAW",
        "RINGNOANSWER",
        "RINGCANCELED",
        "AGENTDUMP",
        "SYSCOMPAT",
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "QUEUESTART",
        "CONFIGRELOAD",
        "FULL",
        "JOINEMPTY",
        "JOINUNAVAIL",
        "CLOSED",
        "DIVERT_CA_RATIO",
        "DIVERT_HOLDTIME",
        "WRAPUPSTART",
        "WRAPUPEND",
    }
)
"""The verbs met every day (others are checked by their form)."""
MAX_LINE = 4096
"""No line Asterisk writes comes near this (its own buffer is smaller)."""


class QueueLogError(ValueError):
    """A queue_log line that cannot be read; the message says why."""


class QueueLogLine(NamedTuple):
    """One queue_log line: when, which call, queue and member, what happened, its data.

    (A named tuple: millions are made per report, and a tuple is the cheapest to build.)
    """

    time: float
    call_id: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    def field(self, number: int) -> str:
        """``data<number>`` (1-based), empty when the line has fewer fields."""
        return self.data[number - 1] if 0 < number <= len(self.data) else ""

    def seconds(self, number: int) -> int:
        """``data<number>`` as whole seconds; :class:`QueueLogError` if it is not a count."""
        value = self.field(number)
        if not value.isascii() or not value.isdigit():
            raise QueueLogError(f"{self.event} data{number} is not a number of seconds: {value!r}")
        return int(value)

    def as_text(self) -> str:
        """The line as Asterisk writes it (whole seconds kept whole)."""
        stamp = str(int(self.time)) if self.time == int(self.time) else repr(self.time)
        return "|".join((stamp, self.call_id, self.queue, self.agent, self.event, *self.data))


def parse_line(text: str) -> QueueLogLine:
    """One line (without its newline) as a :class:`QueueLogLine`, or :class:`QueueLogError`."""
    if len(text) > MAX_LINE:
        raise QueueLogError(f"line longer than {MAX_LINE} characters")
    if "\r" in text or "\n" in text or "\x00" in text:
        raise QueueLogError("control character inside the line")
    parts = text.split("|")
    if len(parts) < 5:
        raise QueueLogError(
            f"{len(parts)} fields; a line has at least 5 (time|call|queue|agent|event)"
        )
    stamp, call_id, queue, agent, event = parts[:5]
    if stamp.isascii() and stamp.isdigit() and len(stamp) <= 12:
        time = float(stamp)  # whole seconds, as the file has them
    elif _TIME.fullmatch(stamp):
        time = float(stamp)
    else:
        raise QueueLogError(f"time is not epoch seconds: {stamp[:40]!r}")
    if event not in VERBS and not _VERB.fullmatch(event):
        raise QueueLogError(f"event is not a queue_log verb: {event[:40]!r}")
    if not call_id or not queue or not agent:
        raise QueueLogError("an empty call id, queue or agent column")
    return QueueLogLine(time, call_id, queue, agent, event, tuple(parts[5:]))


__all__ = ["MAX_LINE", "NONE", "QueueLogError", "QueueLogLine", "parse_line"]
