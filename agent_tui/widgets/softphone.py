"""The key bar: one line of the keys live now, grouped; ``?`` lists every key by group.

Only the keys that make sense now are on the bar (call keys first, then the member
record's, the agent's and the desk's, groups split by ``│``); the panel keys are on the
desk's tab strip instead. A bar wider than the screen keeps whole groups in that order and
says ``? more``. Each key is clickable: a click runs the key's action.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from agent_tui.keys import DESK_KEYS, DeskView, KeyAction, by_group

KEY_STYLE = "bold yellow"
SEPARATOR = " │ "
MORE = "? more"
ON_TAB_STRIP = frozenset({"view"})
"""Groups the bar leaves out (the narrow desk's tab strip shows them)."""


def _key_text(key: KeyAction) -> Text:
    """``h hold``: the key in bold colour, its label; a click on either runs the action.

    The space goes with the key's run: SVG viewers drop a run's leading spaces, so no run
    of the bar starts with one.
    """
    text = Text()
    text.append(f"{key.shown} ", KEY_STYLE)
    text.append(key.label, _click(key))
    text.stylize(_click(key))
    return text


def _click(key: KeyAction) -> Style:
    return Style(meta={"@click": _clickable(key.action)})


def _clickable(action: str) -> str:
    """The action a click runs: the screen's own, or the app's (``app.quit``)."""
    return action if action.startswith("app.") else f"screen.{action}"


def keys_text(keys: Sequence[KeyAction], desk: DeskView | None, width: int | None = None) -> Text:
    """The live keys (every key for ``desk=None``) as one line of groups, at most ``width``.

    Keys are added in the groups' order while they fit; the rest are behind ``? more``.
    """
    room = None if width is None else width - len(MORE) - 2
    bar = Text()
    last: KeyAction | None = None
    for group, members in by_group(keys):
        live = [key for key in members if desk is None or key.live(desk)]
        if not live or group in ON_TAB_STRIP:
            continue
        for index, key in enumerate(live):
            joint = SEPARATOR if index == 0 else "  "
            shown = _key_text(key)
            if room is not None and bar.cell_len + len(joint) + shown.cell_len > room:
                return bar.append("  ", _click(last) if last else "").append(MORE, "bold")
            if last is not None:  # the joint ends the previous key's run (see the module doc)
                bar.append(joint, _click(last))
            bar.append_text(shown)
            last = key
    return bar


class SoftPhoneBar(Static):
    """The desk's key bar (:data:`~agent_tui.keys.DESK_KEYS`): one line at the bottom."""

    DEFAULT_CSS = "SoftPhoneBar { height: 1; background: $panel; }"

    def show(self, desk: DeskView) -> None:
        """Draw the keys live at ``desk`` that fit the bar's width."""
        width = self.size.width or self.app.size.width
        self.update(keys_text(DESK_KEYS, desk, width))


__all__ = ["SoftPhoneBar", "keys_text"]
