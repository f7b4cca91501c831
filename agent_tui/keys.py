"""Every key of the console in one table: action, key, label, group and when it is live.

The desk's bindings, its soft-phone bar and its ``check_action`` are generated from
:data:`DESK_KEYS`; the wall-board's bindings and key line from :data:`BOARD_KEYS`. A key's
``when`` reads the desk through :class:`DeskView`, so this module needs neither Textual nor
the desk state's module (which asks it in :meth:`DeskState.allowed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass
from typing import Literal, Protocol

Group = Literal["call", "record", "agent", "desk", "view", "supervise"]
GROUP_TITLES: dict[str, str] = {
    "supervise": "Supervise",
    "call": "Call",
    "record": "Member record",
    "agent": "Agent",
    "desk": "Desk",
    "view": "Panels",
}
"""Each group's title in the full key list, in the key bar's order."""
KEY_NAMES = {"question_mark": "?", "tab": "Tab", "slash": "/"}
"""How the bar shows keys whose Textual name is a word."""


class CallOnDesk(Protocol):
    """What a key needs to know of the call in front of the agent."""

    @property
    def live(self) -> bool:
        """Whether the call is still up."""
        ...

    @property
    def talking(self) -> bool:
        """Whether the call is up and answered (talking or on hold)."""
        ...

    @property
    def state(self) -> str:
        """The call's state on the wire (ringing, answered, held...)."""
        ...

    @property
    def consulting(self) -> bool:
        """Whether an attended transfer of the call is under way."""
        ...

    @property
    def popped(self) -> bool:
        """Whether the caller has been looked up (pop received or lookup done)."""
        ...

    @property
    def member(self) -> object:
        """The caller's member, or ``None`` for an unknown caller."""
        ...


class DeskView(Protocol):
    """What a key needs to know of the agent's desk."""

    @property
    def agent_state(self) -> str:
        """The agent's own state (signed_out, ready, paused, wrap_up...)."""
        ...

    @property
    def call(self) -> CallOnDesk | None:
        """The call in front of the agent."""
        ...

    @property
    def calls(self) -> Sized:
        """Every call in context."""
        ...

    @property
    def wrap_up_call(self) -> object:
        """The ended call that still needs a disposition, or ``None``."""
        ...


Rule = Callable[[DeskView], bool]


@dataclass(frozen=True)
class KeyAction:
    """One key: what it runs, how the bar and the bindings name it, and when it is live."""

    key: str
    action: str
    label: str
    """Short label on the key bar."""
    description: str
    """The binding's description."""
    group: Group
    when: Rule | None = None
    """Whether the key is live for a desk; ``None``: always."""

    def live(self, desk: DeskView) -> bool:
        """Whether the key makes sense at ``desk`` now."""
        return self.when is None or self.when(desk)

    @property
    def shown(self) -> str:
        """The key as the bar and the key list show it (``?`` for ``question_mark``)."""
        return KEY_NAMES.get(self.key, self.key)


# -- when the desk's keys are live ------------------------------------------------------------
def _signed_in(desk: DeskView) -> bool:
    return desk.agent_state != "signed_out"


def _talking(desk: DeskView) -> bool:
    return desk.call is not None and desk.call.talking


def _in_state(state: str) -> Rule:
    return lambda desk: _talking(desk) and desk.call is not None and desk.call.state == state


def _consulting(desk: DeskView) -> bool:
    return desk.call is not None and desk.call.consulting


def on_record(desk: DeskView) -> bool:
    """A member is on the call in front of the agent (the record keys are live)."""
    return desk.call is not None and desk.call.member is not None


DESK_KEYS: tuple[KeyAction, ...] = (
    KeyAction("i", "sign_in", "sign in", "Sign in", "agent", lambda d: not _signed_in(d)),
    KeyAction("o", "sign_out", "sign out", "Sign out", "agent",
              lambda d: _signed_in(d) and not _talking(d)),
    KeyAction("p", "pause", "pause", "Pause", "agent",
              lambda d: d.agent_state in ("ready", "wrap_up")),
    KeyAction("P", "unpause", "ready", "Ready", "agent", lambda d: d.agent_state == "paused"),
    KeyAction("d", "dial", "dial", "Dial", "call", lambda d: d.call is None or not d.call.live),
    KeyAction("h", "hold", "hold", "Hold", "call", _in_state("answered")),
    KeyAction("r", "retrieve", "retrieve", "Retrieve", "call", _in_state("held")),
    KeyAction("t", "transfer", "transfer", "Transfer", "call",
              lambda d: _talking(d) and not _consulting(d)),
    KeyAction("y", "transfer_complete", "complete", "Complete transfer", "call", _consulting),
    KeyAction("u", "transfer_cancel", "cancel", "Cancel transfer", "call", _consulting),
    KeyAction("c", "conference", "conf", "Conference", "call", _talking),
    KeyAction("x", "hang_up", "hang up", "Hang up", "call",
              lambda d: d.call is not None and d.call.live),
    KeyAction("k", "dtmf", "DTMF", "DTMF", "call", _talking),
    KeyAction("w", "wrap_up", "wrap-up", "Wrap-up", "call",
              lambda d: d.wrap_up_call is not None or d.agent_state == "wrap_up"),
    KeyAction("D", "do_not_call", "no-call", "Do not call", "call",
              lambda d: d.call is not None),
    KeyAction("s", "service_request", "request", "Service request", "record", on_record),
    KeyAction("g", "grant", "grant", "Grant points", "record", on_record),
    KeyAction("e", "redeem", "redeem", "Redeem points", "record", on_record),
    KeyAction("v", "survey", "survey", "Survey", "record", on_record),
    KeyAction("n", "note", "note", "Note", "record", on_record),
    KeyAction("N", "new_member", "new member", "New member", "record",
              lambda d: d.call is not None and d.call.popped and d.call.member is None),
    KeyAction("b", "kb", "kb", "Knowledge base", "record"),
    KeyAction("f", "find", "find", "Find member", "record"),
    KeyAction("m", "member_view", "member", "Member view", "record", on_record),
    KeyAction("O", "preview", "preview", "Preview leads", "desk"),
    KeyAction("l", "callbacks", "callbacks", "Callbacks", "desk"),
    KeyAction("tab", "next_call", "next call", "Next call", "desk", lambda d: len(d.calls) > 1),
    KeyAction("1", "panel('requests')", "requests", "Open requests panel", "view"),
    KeyAction("2", "panel('history')", "calls", "Last calls panel", "view"),
    KeyAction("3", "panel('ledger')", "ledger", "Points ledger panel", "view"),
    KeyAction("4", "panel('script')", "script", "Campaign script panel", "view"),
    KeyAction("question_mark", "keys", "keys", "All keys", "desk"),
    KeyAction("q", "app.quit", "quit", "Quit", "desk"),
)  # fmt: skip
"""The agent desk's keys, in the order of the soft-phone bar."""

BOARD_KEYS: tuple[KeyAction, ...] = (
    KeyAction("l", "spy('listen')", "listen", "Listen", "supervise"),
    KeyAction("W", "spy('whisper')", "whisper", "Whisper", "supervise"),
    KeyAction("B", "spy('barge')", "barge", "Barge", "supervise"),
    KeyAction("R", "release", "release", "Release", "supervise"),
    KeyAction("I", "intercept", "intercept", "Intercept", "supervise"),
    KeyAction("S", "force_sign_out", "sign out", "Sign out agent", "supervise"),
    KeyAction("Z", "force_pause", "pause", "Pause agent", "supervise"),
    KeyAction("N", "notice", "notice", "Notice", "supervise"),
    KeyAction("C", "call_back", "call back", "Call back", "supervise"),
    KeyAction("o", "order", "order", "Order agents and calls", "desk"),
    KeyAction("a", "desk", "desk", "My desk", "desk"),
    KeyAction("T", "statistics", "stats", "Statistics", "desk"),
    KeyAction("question_mark", "keys", "keys", "All keys", "desk"),
    KeyAction("q", "app.quit", "quit", "Quit", "desk"),
)
"""The supervisor's wall-board keys, in the order of its key line (always live)."""

_DESK_RULES: dict[str, Rule] = {
    **{key.action: key.when for key in DESK_KEYS if key.when is not None},
    "on_record": on_record,
}


def desk_allows(desk: DeskView, action: str) -> bool:
    """Whether the desk key running ``action`` is live (``on_record``: the record keys).

    Actions without a rule (knowledge base, find, quit, anything else) are always live.
    """
    rule = _DESK_RULES.get(action)
    return rule is None or rule(desk)


def key_line(keys: Sequence[KeyAction]) -> str:
    """The keys as one plain line: each key and its label."""
    return "  ".join(f"{key.shown} {key.label}" for key in keys)


def by_group(keys: Sequence[KeyAction]) -> list[tuple[str, list[KeyAction]]]:
    """The keys grouped, groups in the bar's order (:data:`GROUP_TITLES`), keys in theirs."""
    groups = [(group, [key for key in keys if key.group == group]) for group in GROUP_TITLES]
    return [(group, members) for group, members in groups if members]


__all__ = [
    "BOARD_KEYS",
    "DESK_KEYS",
    "GROUP_TITLES",
    "KEY_NAMES",
    "CallOnDesk",
    "DeskView",
    "Group",
    "KeyAction",
    "Rule",
    "by_group",
    "desk_allows",
    "key_line",
    "on_record",
]
