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
from collections.abc import Iterable
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


def _wait_and_talk(line: QueueLogLine) -> tuple[int, int]:
    """(wait, talk) from a completing line, wherever its form puts them."""
    if line.event.startswith("COMPLETE"):
        return line.seconds(1), line.seconds(2)
    if line.event == "BLINDTRANSFER":
        return line.seconds(3), line.seconds(4)
    if line.field(1) == "LINK":  # LINK|channel 1|channel 2|wait|talk|position
        return line.seconds(4), line.seconds(5)
    return line.seconds(3), line.seconds(4)  # BRIDGE or APP|id|wait|talk|position


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
        key = (line.call_id, line.queue)
        if line.event == "ENTERQUEUE":
            return self._enter(line, key)
        if key in self._ended and key not in self._open:
            return None  # a second ending of a stint that has its outcome
        if line.event in BLOCKS:
            blocked = Blocked(line.call_id, line.queue, line.time, BLOCKS[line.event])
            self.blocked.append(blocked)
            return blocked
        if line.event == "CONNECT":
            waited = line.seconds(1)
            stint = self._stint_of(line, key, waited)
            if stint.outcome is None:
                stint.outcome, stint.wait, stint.agent = Outcome.ANSWERED, waited, line.agent
                stint.ended_at = line.time
            return stint
        if line.event in COMPLETIONS:
            wait, talk = _wait_and_talk(line)
            stint = self._stint_of(line, key, wait + talk)
            if stint.outcome is None:  # no CONNECT line (it happens on attended transfers)
                stint.outcome, stint.wait, stint.agent = Outcome.ANSWERED, wait, line.agent
                stint.ended_at = line.time - talk
            stint.talk, stint.completed_at, stint.completed_by = talk, line.time, line.event
            self._close(key)
            return stint
        if line.event in EXITS:
            outcome, wait_field = EXITS[line.event]
            exit_wait = line.seconds(wait_field) if wait_field is not None else None
            stint = self._stint_of(line, key, exit_wait or 0)
            if stint.outcome is None:
                stint.outcome, stint.wait, stint.ended_at = outcome, exit_wait, line.time
                stint.key = line.field(1) if outcome is Outcome.KEY_EXIT else None
            self._close(key)
            return stint
        return None

    def feed_all(self, lines: Iterable[QueueLogLine]) -> StintBook:
        """Take every line in order; the book itself."""
        for line in lines:
            self.feed(line)
        return self

    def waiting(self) -> list[Stint]:
        """Stints whose caller is still in the queue (no outcome yet)."""
        return [stint for stint in self._open.values() if stint.outcome is None]

    def _close(self, key: tuple[str, str]) -> None:
        self._open.pop(key, None)
        self._ended.add(key)

    def _enter(self, line: QueueLogLine, key: tuple[str, str]) -> Stint:
        earlier = self._open.pop(key, None)
        if earlier is not None and earlier.outcome is None:
            earlier.outcome, earlier.ended_at = Outcome.FAILED, line.time
        stint = Stint(line.call_id, line.queue, line.time, caller=line.field(2))
        self._open[key] = stint
        self.stints.append(stint)
        return stint

    def _stint_of(self, line: QueueLogLine, key: tuple[str, str], since: int) -> Stint:
        """The open stint the line is about, or one inferred from the seconds it states."""
        stint = self._open.get(key)
        if stint is None:
            stint = Stint(line.call_id, line.queue, line.time - since, inferred=True)
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
    "Blocked",
    "Blocking",
    "CallView",
    "Outcome",
    "QueueLogError",
    "Stint",
    "StintBook",
    "calls",
]
