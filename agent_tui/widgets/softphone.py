"""The soft-phone bar: every key of the desk, dimmed when it cannot be used now."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from agent_tui.keys import DESK_KEYS, DeskView, KeyAction


def keys_text(keys: Sequence[KeyAction], desk: DeskView) -> Text:
    """The keys as one wrapped text: live keys bold, the others dim."""
    text = Text()
    for key in keys:
        live = key.live(desk)
        text.append(f" {key.key}", "bold reverse" if live else "dim")
        text.append(f" {key.label} ", "" if live else "dim strike")
    return text


class SoftPhoneBar(Static):
    """Every key of the desk (:data:`~agent_tui.keys.DESK_KEYS`) at the bottom of the desk."""

    DEFAULT_CSS = "SoftPhoneBar { height: auto; max-height: 4; background: $panel; }"

    def show(self, desk: DeskView) -> None:
        """Draw the keys, live or not at ``desk``."""
        self.update(keys_text(DESK_KEYS, desk))


__all__ = ["SoftPhoneBar", "keys_text"]
