"""The console application: login, then the agent desk or the supervisor's wall-board.

The app owns the REST client (token in memory only), the WebSocket feed and the state
the screens draw; workers do every request, so nothing on screen waits for the network.
The feed posts each push as a message: the app's handlers update the state and hand the
message on to the screens, which redraw what it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual import on, work
from textual.app import App

from agent_tui.board_state import BoardState
from agent_tui.campaign_client import CampaignClient
from agent_tui.card_client import CardClient
from agent_tui.card_desk import CardDesk
from agent_tui.client import ApiFailure, CallControlClient, DeskClient, Session
from agent_tui.commands import ScreenKeys
from agent_tui.context import Clock, ConsoleContext
from agent_tui.desk_state import DeskState
from agent_tui.feed import LiveFeed
from agent_tui.screens.base import FramedScreen
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.login import LoginScreen
from agent_tui.screens.wallboard import WallBoardScreen
from cti.protocol import BoardThresholds, Message


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@runtime_checkable
class LiveScreen(Protocol):
    """A screen that draws live state: all of it, or what moves with the clock."""

    def redraw(self) -> None:
        """Draw the app's current state."""
        ...

    def redraw_timers(self) -> None:
        """Draw what changes with the clock (the one-second tick)."""
        ...


CALLBACKS_EVERY = timedelta(minutes=1)
"""How often an agent's desk reads its call-back list again: tasks left during the day
(a caller's voicemail, a colleague's call-back) come in without a reconnect."""


class ConsoleApp(App[None]):
    """``ctidesk console``: one agent's or supervisor's desk over the service's API."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "ctidesk"
    COMMANDS = App.COMMANDS | {ScreenKeys}

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        clock: Clock = utcnow,
        tick_seconds: float = 1.0,
        card_readers: str = "off",
        thresholds: BoardThresholds | None = None,
    ) -> None:
        super().__init__()
        self.thresholds = thresholds or BoardThresholds()
        self.client = DeskClient(url)
        self.calls = CallControlClient(self.client)
        self.campaigns = CampaignClient(self.client)
        self.user = user
        self.password = password
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.desk: DeskState = DeskState(login="")
        self.board: BoardState = BoardState(day_start=_day_start(clock()))
        self.feed: LiveFeed | None = None
        self.last_error: str | None = None
        self.last_info: str | None = None
        self._looked_up: set[str] = set()
        self._callbacks_read_at: datetime | None = None
        self.resyncs = 0
        """Live state read again so far (after each connect, or when the service asks)."""
        self.card_readers = card_readers
        """``auto``: watch this desk's card readers after login ([cards] readers)."""
        self.cards = CardDesk(
            self, CardClient(self.client), info=self.show_info, error=self.show_error
        )

    @property
    def session(self) -> Session:
        """The logged-in user (only once the login screen has gone)."""
        assert self.client.session is not None, "not logged in"
        return self.client.session

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.user, self.password))
        if self.tick_seconds > 0:
            self.set_interval(self.tick_seconds, self.redraw_timers)

    @on(LoginScreen.LoggedIn)
    def _logged_in(self, event: LoginScreen.LoggedIn) -> None:
        if event.resume:
            self.resume_session(event.session)
        else:
            self.start_session(event.session)

    def start_session(self, session: Session) -> None:
        """After login: live state, the feed, and the screen for the user's role."""
        self.desk = DeskState(login=session.login, my_queues=session.queues)
        self.board = BoardState(day_start=_day_start(self.clock()))
        self._start_feed()
        self.switch_screen(WallBoardScreen() if session.supervisor else DeskScreen())
        if self.card_readers == "auto" and (why_not := self.cards.watch_readers()):
            self.show_info(why_not)

    def resume_session(self, session: Session) -> None:
        """Logged in again after the session ended: a new feed, the same screens and calls."""
        self.pop_screen()  # the login screen, back to the desk or wall-board as it was
        self.desk.session_ended = False
        self._start_feed()
        self.redraw_all()

    def _start_feed(self) -> None:
        self.feed = LiveFeed(self.client, post=self.post_message)
        self._run_feed(self.feed)

    # Workers are made from methods (``@work``), not from coroutines made in advance: a
    # worker that never starts (the app closing) then leaves no un-awaited coroutine.
    @work(group="feed", name="live-feed", exit_on_error=False)
    async def _run_feed(self, feed: LiveFeed) -> None:
        await feed.run()

    # -- live state -----------------------------------------------------------------------
    @on(LiveFeed.Pushed)
    def _pushed(self, event: LiveFeed.Pushed) -> None:
        """One push: update both states, then let the screens redraw what it changed."""
        call = self.desk.call
        if self.cards.takes(event.message, call.member_number if call is not None else None):
            return  # a card pop: the card pop screen, never a call
        self.desk.apply(event.message)
        self.board.apply(event.message, self.clock())
        self.look_up_unpopped()
        self.announce()
        self._hand_on(event)

    def announce(self) -> None:
        """Notify what happened to the agent: the desk's alerts and call-backs now due."""
        if not self.is_running:
            return
        for text in self.desk.take_alerts():
            self.notify(text, severity="warning", timeout=10, markup=False)
        for task in self.desk.callbacks_due(self.clock()):
            who = task.member_number or task.caller
            said = f": {task.message}" if task.message else ""
            self.notify(f"Call-back due: {who} ({task.caller}){said}", title="Call-back",
                        severity="warning", timeout=15, markup=False)  # fmt: skip

    def on_live_feed_connection_changed(self, event: LiveFeed.ConnectionChanged) -> None:
        """The feed connected (resync over REST) or lost the service (banner, keep state)."""
        self.desk.connected = event.connected
        self.desk.session_ended = event.refused
        if self.desk.session_ended:
            self._ask_to_log_in_again()
        if event.connected:
            self.resync()
        self._hand_on(event)

    def on_live_feed_resync_asked(self, event: LiveFeed.ResyncAsked) -> None:
        """Pushes were lost on the way (``event.reason`` says where): read the live state
        again, as after a reconnect."""
        self.resync()

    def _hand_on(self, event: LiveFeed.Pushed | LiveFeed.ConnectionChanged) -> None:
        """Post a feed message to every screen on the stack (not once the app stops)."""
        if not self.is_running:
            return
        for screen in self.screen_stack:
            screen.post_message(event)

    def look_up_unpopped(self) -> None:
        """Ask the service for the pops of calls this desk knows without one."""
        for call in self.desk.unpopped():
            if call.call_id not in self._looked_up:
                self._looked_up.add(call.call_id)
                self._look_up(call.call_id)

    @work(group="lookup", exit_on_error=False)
    async def _look_up(self, call_id: str) -> None:
        with self.reporting("caller lookup"):
            self.desk.found(await self.client.call_pop(call_id))
        if self.is_running:
            for screen in self.screen_stack:
                if isinstance(screen, DeskScreen):
                    screen.draw_call()

    def _ask_to_log_in_again(self) -> None:
        if not any(isinstance(screen, LoginScreen) for screen in self.screen_stack):
            self.push_screen(LoginScreen(self.session.login, resume=True))

    @work(group="resync", exclusive=True, exit_on_error=False)
    async def resync(self) -> None:
        """Read queues, agents, calls, today's call log and the campaigns after a (re)connect."""
        with self.reporting("resync"):
            queues, agents, calls = await self.client.live()
            now = self.clock()
            messages: list[Message] = [*queues, *agents, *calls]
            for message in messages:
                self.desk.apply(message)
                self.board.apply(message, now)
            self.look_up_unpopped()
            if not self.session.supervisor:
                await self.read_callbacks()
            if self.session.supervisor:
                since = self.board.day_start.isoformat()
                self.board.load_records(
                    await self.client.call_records(**{"from": since}, limit=500)
                )
                self.board.load_campaigns(await self.campaigns.campaigns())
        self.resyncs += 1
        self.redraw_all()

    async def read_callbacks(self) -> None:
        """The agent's open call-backs from the service; those now due are announced."""
        self._callbacks_read_at = self.clock()
        self.desk.callbacks = await self.client.callbacks()
        self.announce()

    @work(group="callbacks", exclusive=True, exit_on_error=False)
    async def reread_callbacks(self) -> None:
        """Read the call-back list again (the clock's tick asks once a minute)."""
        with self.reporting("call-backs"):
            await self.read_callbacks()

    def _callbacks_stale(self) -> bool:
        read = self._callbacks_read_at
        return (
            read is not None
            and self.desk.connected
            and self.client.session is not None
            and not self.session.supervisor
            and self.clock() - read >= CALLBACKS_EVERY
        )

    def redraw_all(self) -> None:
        """Redraw every screen on the stack that shows live state (after a resync).

        Not once the app is shutting down: Textual then removes the screens' widgets while
        pushes and clock ticks may still arrive.
        """
        if not self.is_running:
            return
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                screen.redraw()

    def redraw_timers(self) -> None:
        """The clock ticked: call-backs may be due (the list is read again once a minute),
        the screens redraw their timers."""
        if not self.is_running:
            return
        if self._callbacks_stale():
            self.reread_callbacks()
        self.announce()
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                screen.redraw_timers()

    # -- reporting ------------------------------------------------------------------------
    @contextlib.contextmanager
    def reporting(self, what: str) -> Iterator[None]:
        """Run a block; an :class:`ApiFailure` in it is shown (banner line and toast)."""
        try:
            yield
        except ApiFailure as failure:
            self.show_error(f"{what} failed: {failure}")

    def show_error(self, text: str) -> None:
        """Show the server's (or the network's) error without losing the screen."""
        self.last_error = text
        self.notify(text, severity="error", timeout=8, markup=False)
        if self.is_running:
            for screen in self.screen_stack:
                if isinstance(screen, FramedScreen):
                    screen.draw_frame()

    def show_info(self, text: str) -> None:
        """Show what an action achieved."""
        self.last_info = text
        self.notify(text, timeout=5, markup=False)

    async def on_unmount(self) -> None:
        """The app ends however it ends (``q``, a closed browser tab, a signal): log out
        while the service answers within a second, so the token dies with the console,
        then close the HTTP session."""
        self.cards.stop_watching()
        with contextlib.suppress(ApiFailure, TimeoutError):
            await asyncio.wait_for(self.client.logout(), timeout=1)
        await self.client.close()

    async def action_quit(self) -> None:
        """Log out (revoking the token) and leave."""
        with contextlib.suppress(ApiFailure):
            await self.client.logout()
        await self.client.close()
        self.exit()


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


if TYPE_CHECKING:

    def _gives_screens_what_they_need(app: ConsoleApp) -> ConsoleContext:
        return app  # mypy checks that the app satisfies the screens' protocol


__all__ = ["Clock", "ConsoleApp", "LiveScreen", "utcnow"]
