"""The full key list (``?``): every key of the screen by group, those not live now dimmed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from agent_tui.keys import GROUP_TITLES, DeskView, KeyAction, by_group


def keys_table(keys: Sequence[KeyAction], desk: DeskView | None) -> Table:
    """One row per key under its group's title; keys not live at ``desk`` dimmed."""
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("key", no_wrap=True, width=5)
    table.add_column("what", ratio=1)
    for group, members in by_group(keys):
        table.add_row(Text(), Text(GROUP_TITLES[group], "bold underline"))
        for key in members:
            live = desk is None or key.live(desk)
            note = "" if live else "  (not now)"
            style = "" if live else "dim"
            table.add_row(Text(key.shown, "bold reverse" if live else "dim"),
                          Text(f"{key.description}{note}", style))  # fmt: skip
    return table


class KeysScreen(ModalScreen[None]):
    """Every key of the screen below, by group; any of Escape, ``?`` or ``q`` closes it."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", "Close"),
        Binding("question_mark", "app.pop_screen", "Close"),
        Binding("q", "app.pop_screen", "Close"),
    ]
    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > VerticalScroll {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, keys: Sequence[KeyAction], desk: DeskView | None) -> None:
        super().__init__()
        self.keys = tuple(keys)
        self.desk = desk

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys (Esc closes; Ctrl+P finds any action)"
            yield Static(keys_table(self.keys, self.desk), id="keys-list")


__all__ = ["KeysScreen", "keys_table"]
