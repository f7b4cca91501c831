"""queue_log lines → stints: one call's visit to one queue and its one outcome (stdlib only).

A **stint** begins at ``ENTERQUEUE`` and gets exactly one outcome from its first ending
line: answered (``CONNECT``; its talk time comes with ``COMPLETECALLER``,
``COMPLETEAGENT``, ``BLINDTRANSFER`` or ``ATTENDEDTRANSFER``), abandoned (``ABANDON``),
timed out (``EXITWITHTIMEOUT``), left by key (``EXITWITHKEY``), left empty
(``EXITEMPTY``), withdrawn (``WITHDRAW``) or failed (``SYSCOMPAT``). Waits and talk times
are the seconds Asterisk measured and wrote in the line's data fields, never differences
of the 1-second timestamps. A stint is counted in the period of its ``ENTERQUEUE``.

Calls that never got in (queue full, empty, closed, diverted) are **blocked**, not
offered: Asterisk writes nothing for them, so the dialplan writes its own line after
``Queue()`` returns (the verbs XiVO/Wazo PBXs write: ``FULL``, ``JOINEMPTY``,
``JOINUNAVAIL``, ``CLOSED``, ``DIVERT_CA_RATIO``, ``DIVERT_HOLDTIME``).

A line of a call the book has not seen enter (the log began mid-call) still makes its
stint, entered at the line's time less the wait it states, marked ``inferred``; a second
ending line of a stint that has ended changes nothing. A call that enters a queue it is
still in (a lost ending line) closes the earlier stint as failed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cti.kpi.queue_log import QueueLogError, QueueLogLine


class Outcome(enum.StrEnum):
    """How a stint ended (its first ending line)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    KEY_EXIT = "key_exit"
    EXIT_EMPTY = "exit_empty"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


class Blocking(enum.StrEnum):
    """Why a call never got into the queue."""

    FULL = "full"
    EMPTY = "empty"
    CLOSED = "closed"
    DIVERT = "divert"


EXITS: dict[str, tuple[Outcome, int | None]] = {
    "ABANDON": (Outcome.ABANDONED, 3),
    "EXITWITHTIMEOUT": (Outcome.TIMED_OUT, 3),
    "EXITWITHKEY": (Outcome.KEY_EXIT, 4),
    "EXITEMPTY": (Outcome.EXIT_EMPTY, 3),
    "WITHDRAW": (Outcome.WITHDRAWN, 3),
    "SYSCOMPAT": (Outcome.FAILED, None),
}
"""Verb → (the outcome it gives, the data field holding the wait; None: not written)."""

BLOCKS: dict[str, Blocking] = {
    "FULL": Blocking.FULL,
    "JOINEMPTY": Blocking.EMPTY,
    "JOINUNAVAIL": Blocking.EMPTY,
    "CLOSED": Blocking.CLOSED,
    "DIVERT_CA_RATIO": Blocking.DIVERT,
    "DIVERT_HOLDTIME": Blocking.DIVERT,
}
"""The verbs a dialplan writes for a call that did not get in."""

COMPLETIONS = ("COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER", "ATTENDEDTRANSFER")
ASTERISK_ABANDONS = frozenset(
    {Outcome.ABANDONED, Outcome.TIMED_OUT, Outcome.EXIT_EMPTY, Outcome.WITHDRAWN, Outcome.FAILED}
)
"""What Asterisk counts as abandoned (and sends ``QueueCallerAbandon`` for): every
unanswered outcome but a key exit."""


@dataclass(slots=True)
class Stint:
    """One call's visit to one queue. ``outcome`` is None while the caller still waits;
    an answered stint has ``talk`` once its call ended or was transferred."""

    call_id: str
    queue: str
    entered_at: float
    caller: str = ""
    outcome: Outcome | None = None
    wait: int | None = None
    agent: str | None = None
    ended_at: float | None = None
    """When the outcome came (answered: the connect)."""
    talk: int | None = None
    completed_at: float | None = None
    completed_by: str | None = None
    """The verb that ended an answered stint (``COMPLETECALLER``, ``BLINDTRANSFER``…)."""
    key: str | None = None
    inferred: bool = False
    """Entered before the lines read began: ``entered_at`` is derived from the wait."""

    @property
    def transferred(self) -> bool:
        """The agent transferred the call out (blind or attended)."""
        return self.completed_by in ("BLINDTRANSFER", "ATTENDEDTRANSFER")


@dataclass(frozen=True, slots=True)
class Blocked:
    """A call that never got into ``queue``, and why."""

    call_id: str
    queue: str
    at: float
    reason: Blocking


def _seconds(event: str, data: Sequence[str], number: int) -> int:
    """``data<number>`` as whole seconds; :class:`QueueLogError` if it is not a count."""
    value = data[number - 1] if number <= len(data) else ""
    if not value.isdigit() or not value.isascii():
        raise QueueLogError(f"{event} data{number} is not a number of seconds: {value!r}")
    return int(value)


def _wait_and_talk(event: str, data: Sequence[str]) -> tuple[int, int]:
    """(wait, talk) from a completing line, wherever its form puts them."""
    if event[0] == "C":  # COMPLETECALLER, COMPLETEAGENT
        if len(data) > 1:
            wait, talk = data[0], data[1]
            if wait.isdigit() and talk.isdigit() and wait.isascii() and talk.isascii():
                return int(wait), int(talk)  # the everyday case, without a call
        return _seconds(event, data, 1), _seconds(event, data, 2)
    if event == "BLINDTRANSFER":
        return _seconds(event, data, 3), _seconds(event, data, 4)
    if data and data[0] == "LINK":  # LINK|channel 1|channel 2|wait|talk|position
        return _seconds(event, data, 4), _seconds(event, data, 5)
    return _seconds(event, data, 3), _seconds(event, data, 4)  # BRIDGE or APP|id|wait|talk|…


STINT_VERBS = frozenset({"ENTERQUEUE", "CONNECT", *COMPLETIONS, *EXITS, *BLOCKS})
"""The verbs that begin, end or block a stint (the others change no stint)."""


@dataclass
class StintBook:
    """Follows queue_log lines into stints, in the order they were written.

    ``stints`` keeps every stint in the order it began; ``blocked`` every blocked call.
    """

    stints: list[Stint] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    _open: dict[tuple[str, str], Stint] = field(default_factory=dict)
    _ended: set[tuple[str, str]] = field(default_factory=set)
    """Calls whose stint in a queue has ended: a stray later ending line is ignored."""

    def feed(self, line: QueueLogLine) -> Stint | Blocked | None:
        """Take one line; the stint it changed (or the blocked call it records), if any.

        :class:`QueueLogError` for a line of a known verb whose data are not numbers.
        """
        if line.event not in STINT_VERBS:
            return None
        return self.take(line.time, line.call_id, line.queue, line.agent, line.event, line.data)

    def take(
        self, at: float, call_id: str, queue: str, agent: str, event: str, data: Sequence[str]
    ) -> Stint | Blocked | None:
        """:meth:`feed` from a line's fields (``event`` one of :data:`STINT_VERBS`), for a
        reader that has them already (:mod:`cti.kpi.ingest`)."""
        key = (call_id, queue)
        if event == "ENTERQUEUE":
            return self._enter(at, key, data[1] if len(data) > 1 else "")
        stint = self._open.get(key)
        if stint is None and key in self._ended:
            return None  # a second ending of a stint that has its outcome
        if event == "CONNECT":
            first = data[0] if data else ""  # the everyday case first, without a call
            waited = int(first) if first.isdigit() and first.isascii() else _seconds(event, data, 1)
            stint = stint or self._inferred(at - waited, key)
            if stint.outcome is None:
                stint.outcome, stint.wait, stint.agent = Outcome.ANSWERED, waited, agent
                stint.ended_at = at
            return stint
        if event in BLOCKS:
            blocked = Blocked(call_id, queue, at, BLOCKS[event])
            self.blocked.append(blocked)
            return blocked
        if event in EXITS:
            outcome, wait_field = EXITS[event]
            exit_wait = _seconds(event, data, wait_field) if wait_field is not None else None
            stint = stint or self._inferred(at - (exit_wait or 0), key)
            if stint.outcome is None:
                stint.outcome, stint.wait, stint.ended_at = outcome, exit_wait, at
                stint.key = (data[0] if data else "") if outcome is Outcome.KEY_EXIT else None
        else:  # one of COMPLETIONS
            wait, talk = _wait_and_talk(event, data)
            stint = stint or self._inferred(at - wait - talk, key)
            if stint.outcome is None:  # no CONNECT line (it happens on attended transfers)
                stint.outcome, stint.wait, stint.agent = Outcome.ANSWERED, wait, agent
                stint.ended_at = at - talk
            stint.talk, stint.completed_at, stint.completed_by = talk, at, event
        del self._open[key]
        self._ended.add(key)
        return stint

    def feed_all(self, lines: Iterable[QueueLogLine]) -> StintBook:
        """Take every line in order; the book itself."""
        for line in lines:
            self.feed(line)
        return self

    def waiting(self) -> list[Stint]:
        """Stints whose caller is still in the queue (no outcome yet)."""
        return [stint for stint in self._open.values() if stint.outcome is None]

    def _enter(self, at: float, key: tuple[str, str], caller: str) -> Stint:
        earlier = self._open.pop(key, None)
        if earlier is not None and earlier.outcome is None:
            earlier.outcome, earlier.ended_at = Outcome.FAILED, at
        stint = Stint(key[0], key[1], at, caller)
        self._open[key] = stint
        self.stints.append(stint)
        return stint

    def _inferred(self, entered_at: float, key: tuple[str, str]) -> Stint:
        """A stint of a line whose ``ENTERQUEUE`` was not read: entered at ``entered_at``,
        derived from the seconds the line states."""
        stint = Stint(key[0], key[1], entered_at, inferred=True)
        self._open[key] = stint
        self.stints.append(stint)
        return stint


@dataclass(frozen=True, slots=True)
class CallView:
    """A caller's whole call across queues: its stints in order, answered if the last was."""

    call_id: str
    stints: tuple[Stint, ...]

    @property
    def outcome(self) -> Outcome | None:
        """The outcome of the call's last stint."""
        return self.stints[-1].outcome

    @property
    def answered(self) -> bool:
        """Whether the call ended answered (by the queue it was in last)."""
        return self.outcome is Outcome.ANSWERED


def calls(stints: Iterable[Stint]) -> list[CallView]:
    """The caller view: stints of one call joined by its id, in the order the calls began."""
    by_call: dict[str, list[Stint]] = {}
    for stint in stints:
        by_call.setdefault(stint.call_id, []).append(stint)
    return [
        CallView(call_id, tuple(sorted(group, key=lambda s: s.entered_at)))
        for call_id, group in by_call.items()
    ]


__all__ = [
    "ASTERISK_ABANDONS",
    "BLOCKS",
    "COMPLETIONS",
    "EXITS",
    "STINT_VERBS",
    "Blocked",
    "Blocking",
    "CallView",
    "Outcome",
    "QueueLogError",
    "Stint",
    "StintBook",
    "calls",
]
