"""The command palette (Ctrl+P) lists every key of the screen it was opened on, with its key.

Typing part of an action's name finds it (``grant`` → "Grant points  g"); Enter runs it as
the key would. A key that is not live now is listed with "not now" and, chosen, says so
instead of running: the palette is a way to find keys, not a way round their rules.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from agent_tui.keys import GROUP_TITLES, KeyAction
from agent_tui.screens.base import ConsoleScreen


class ScreenKeys(Provider):
    """Every key of the console screen under the palette (:attr:`ConsoleScreen.KEYS`)."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(what the palette shows, its help line, what choosing it does) per key."""
        screen = self.screen
        if not isinstance(screen, ConsoleScreen):
            return []
        desk = screen.keys_live_at()
        entries = []
        for key in screen.KEYS:
            live = desk is None or key.live(desk)
            shown = f"{key.description}  ({key.shown})"
            group = GROUP_TITLES[key.group]
            help_line = f"{group}: key {key.shown}" if live else f"{group}: not now"
            entries.append((shown, help_line, self._command(screen, key, live)))
        return entries

    def _command(self, screen: ConsoleScreen, key: KeyAction, live: bool) -> Callable[[], object]:
        if live:
            return partial(screen.run_action, key.action)
        message = f"{key.description} ({key.shown}) is not available now"
        return partial(self.app.notify, message, severity="warning")

    async def discover(self) -> Hits:
        """Every key, in the screen's order, before anything is typed."""
        for shown, help_line, command in self._entries():
            yield DiscoveryHit(shown, command, help=help_line)

    async def search(self, query: str) -> Hits:
        """The keys whose description (or key) matches what was typed, best first."""
        matcher = self.matcher(query)
        for shown, help_line, command in self._entries():
            score = matcher.match(shown)
            if score > 0:
                yield Hit(score, matcher.highlight(shown), command, help=help_line)


__all__ = ["ScreenKeys"]
