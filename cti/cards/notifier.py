"""The card domain's pushes: a card pop to the tapping user's own consoles."""

from __future__ import annotations

from cti.http.pushes import Pushes
from cti.protocol import ScreenPop


class CardNotifier:
    """Sends card pops through the hub."""

    def __init__(self, *, hub: Pushes) -> None:
        self._hub = hub

    def card_tapped(self, login: str, pop: ScreenPop) -> int:
        """Pop ``pop`` on ``login``'s consoles only; how many got it."""
        return self._hub.send_to_user(login, pop)


__all__ = ["CardNotifier"]
