"""The console's side of member cards: card pops, the card actions, and the desk's readers.

A card pop (a ``screen_pop`` whose ``source`` is ``card``) opens the card pop screen
instead of touching the calls. With ``[cards] readers = "auto"`` the console runs the
card watcher itself (:mod:`card_agent`): each card it reads is sent as a tap, and what
the readers do (pcscd gone, a card that gives no UID) is shown as a line of text.
While a replacement is pending the next unknown card tapped becomes the replacement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App

from agent_tui.card_client import CardClient
from agent_tui.client import ApiFailure
from agent_tui.screens.card_pop import CardPopScreen
from cti.protocol import ScreenPop

if TYPE_CHECKING:
    from card_agent.events import WatchEvent
    from card_agent.pcsc import ReaderWatcher


Say = Callable[[str], None]


class CardDesk:
    """Card pops and card actions for one console; the desk's reader watcher, if any."""

    def __init__(self, app: App[Any], client: CardClient, *, info: Say, error: Say) -> None:
        self._app = app
        self._client = client
        self._info, self._error = info, error
        self.last_pop: ScreenPop | None = None
        self.replacing: ScreenPop | None = None
        """The card pop whose card the next unknown card tapped replaces."""
        self.member_on_screen: str | None = None
        """The member a new card would be bound to (the call's or the last card's member)."""
        self._watcher: ReaderWatcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def takes(self, message: object, call_member: str | None = None) -> bool:
        """Handle ``message`` if it is a card pop (then the calls never see it);
        ``call_member`` is the member of the call on the desk, if any."""
        if not isinstance(message, ScreenPop) or message.source != "card":
            return False
        if call_member is not None:
            self.member_on_screen = call_member
        card = message.card
        if self.replacing is not None and card is not None and card.status == "unknown":
            old, self.replacing = self.replacing, None
            self._run(self._replace(old, card.uid))
            return True
        self.last_pop = message
        if message.member is not None:
            self.member_on_screen = message.member.number
        self._app.push_screen(CardPopScreen(message, self, self.member_on_screen))
        return True

    # -- the card pop's keys ----------------------------------------------------------------
    def issue(self, pop: ScreenPop) -> None:
        """Bind the pop's chip to the member on screen."""
        if pop.card is None or self.member_on_screen is None:
            self._error("no member on screen to issue the card to")
            return
        self._run(self._issue(pop.card.uid, self.member_on_screen))

    def report_lost(self, pop: ScreenPop) -> None:
        """Report the pop's card lost."""
        if pop.card is not None:
            self._run(self._lost(pop.card.uid))

    def replace_next(self, pop: ScreenPop) -> None:
        """The next unknown card tapped at this desk replaces the pop's card."""
        self.replacing = pop
        self._info("tap the new card to replace the old one")

    def _run(self, work: Any) -> None:
        self._app.run_worker(work, group="cards", exit_on_error=False)

    async def _issue(self, uid: str, member: str) -> None:
        await self._report(self._client.issue(uid, member), f"card {uid} issued to {member}")

    async def _lost(self, uid: str) -> None:
        await self._report(self._client.report_lost(uid), f"card {uid} reported lost")

    async def _replace(self, old: ScreenPop, new_uid: str) -> None:
        assert old.card is not None
        await self._report(
            self._client.replace(old.card.uid, new_uid),
            f"card {old.card.card_number} replaced by chip {new_uid}",
        )

    async def _report(self, request: Any, done: str) -> None:
        try:
            await request
        except ApiFailure as failure:
            self._error(f"card action failed: {failure}")
        else:
            self._info(done)

    # -- the desk's own readers ---------------------------------------------------------------
    def watch_readers(self) -> str | None:
        """Start watching this desk's readers; why not, when it cannot (no pyscard)."""
        if self._watcher is not None:
            return None
        try:
            from card_agent.pcsc import ReaderWatcher
        except ImportError as error:
            return f"card readers not watched: pyscard is not installed ({error})"
        self._loop = asyncio.get_running_loop()
        self._watcher = ReaderWatcher(self._from_thread).start()
        return None

    def stop_watching(self) -> None:
        """Stop the reader watcher (the app closing)."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def _from_thread(self, event: WatchEvent) -> None:
        """On the watcher's thread: hand the event to the app's loop, never waiting for it."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._watched, event)

    def _watched(self, event: WatchEvent) -> None:
        from card_agent.events import CardRead

        if isinstance(event, CardRead):
            self._run(self._tap(event.uid, event.reader))
        else:
            self._info(event.text)

    async def _tap(self, uid: str, reader: str) -> None:
        try:
            await self._client.tap(uid, reader)  # the pop comes back over the WebSocket
        except ApiFailure as failure:
            self._error(f"card {uid} on {reader} not popped: {failure}")


__all__ = ["CardDesk"]
