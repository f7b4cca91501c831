"""The soft-phone bar: every key of the desk, dimmed when it cannot be used now."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import Static

#: (key shown, label, action name checked by the screen)
SOFTPHONE_KEYS: tuple[tuple[str, str, str], ...] = (
    ("i", "sign in", "sign_in"),
    ("o", "sign out", "sign_out"),
    ("p", "pause", "pause"),
    ("P", "ready", "unpause"),
    ("d", "dial", "dial"),
    ("h", "hold", "hold"),
    ("r", "retrieve", "retrieve"),
    ("t", "transfer", "transfer"),
    ("y", "complete xfer", "transfer_complete"),
    ("u", "cancel xfer", "transfer_cancel"),
    ("c", "conference", "conference"),
    ("x", "hang up", "hang_up"),
    ("k", "DTMF", "dtmf"),
    ("w", "wrap-up", "wrap_up"),
)
RECORD_KEYS: tuple[tuple[str, str, str], ...] = (
    ("s", "service request", "on_record"),
    ("g", "grant pts", "on_record"),
    ("e", "redeem pts", "on_record"),
    ("v", "survey", "on_record"),
    ("n", "note", "on_record"),
    ("N", "new member", "new_member"),
    ("b", "knowledge", "kb"),
    ("f", "find member", "find"),
    ("m", "member view", "on_record"),
    ("l", "callbacks", "callbacks"),
    ("tab", "next call", "next_call"),
    ("q", "quit", "quit"),
)


def keys_text(keys: Sequence[tuple[str, str, str]], allowed: Callable[[str], bool]) -> Text:
    """The keys as one wrapped text: live keys bold, the others dim."""
    text = Text()
    for key, label, action in keys:
        live = allowed(action)
        text.append(f" {key}", "bold reverse" if live else "dim")
        text.append(f" {label} ", "" if live else "dim strike")
    return text


class SoftPhoneBar(Static):
    """Two blocks of keys at the bottom of the desk."""

    DEFAULT_CSS = "SoftPhoneBar { height: auto; max-height: 4; background: $panel; }"


__all__ = ["RECORD_KEYS", "SOFTPHONE_KEYS", "SoftPhoneBar", "keys_text"]
