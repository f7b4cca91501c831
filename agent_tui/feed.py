"""The console's WebSocket feed: authenticate, post each push as a message, reconnect for ever.

``LiveFeed.run`` keeps going until cancelled. Each push becomes one of the Textual messages
nested in :class:`LiveFeed` (:class:`LiveFeed.PopReceived`, :class:`LiveFeed.CallUpdated`...),
posted to the app, whose handlers update the state and hand them on to the screens. When
the service goes away it posts :class:`LiveFeed.ConnectionChanged` with ``connected=False``
and tries again with a growing pause (capped), so the screen stays as it was and fills up
again after the resync the app does on ``connected=True``. Only a refused token (close
code 4401: logged out, expired) ends it, with ``refused`` set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp
from textual.message import Message as TextualMessage

from agent_tui.client import DeskClient
from cti.protocol import (
    CLOSE_UNAUTHORIZED,
    AgentState,
    Authenticate,
    CallUpdate,
    CampaignCall,
    CampaignUpdate,
    Message,
    Notice,
    ProtocolError,
    QueueUpdate,
    Resync,
    ScreenPop,
    SessionReady,
    TelephonyStatus,
    from_json,
    to_json,
)

log = logging.getLogger(__name__)
Post = Callable[[TextualMessage], object]
FIRST_RETRY = 0.5
MAX_RETRY = 5.0


class SessionRefusedError(Exception):
    """The service no longer accepts this console's token: reconnecting cannot help."""


class LiveFeed:
    """Reads the service's pushes for one logged-in console and posts them as messages.

    The messages do not bubble: the app hands each one to the screens on its stack.
    """

    class Pushed(TextualMessage, bubble=False):
        """One message the service pushed (its subclasses say which kind)."""

        def __init__(self, message: Message) -> None:
            super().__init__()
            self.message = message

    class PopReceived(Pushed, bubble=False):
        """A call rings this desk: the caller and the member found for the number."""

        def __init__(self, pop: ScreenPop) -> None:
            super().__init__(pop)
            self.pop = pop

    class CallUpdated(Pushed, bubble=False):
        """A call moved on (queued, answered, held, ended...)."""

        def __init__(self, update: CallUpdate) -> None:
            super().__init__(update)
            self.update = update

    class QueueUpdated(Pushed, bubble=False):
        """A queue's counters changed."""

        def __init__(self, update: QueueUpdate) -> None:
            super().__init__(update)
            self.update = update

    class AgentStateChanged(Pushed, bubble=False):
        """An agent (this one or, for a supervisor, any) changed state."""

        def __init__(self, agent: AgentState) -> None:
            super().__init__(agent)
            self.agent = agent

    class TelephonyChanged(Pushed, bubble=False):
        """The service lost or regained Asterisk."""

        def __init__(self, status: TelephonyStatus) -> None:
            super().__init__(status)
            self.status = status

    class NoticeReceived(Pushed, bubble=False):
        """A notice for the agents (a supervisor's broadcast)."""

        def __init__(self, notice: Notice) -> None:
            super().__init__(notice)
            self.notice = notice

    class ResyncAsked(Pushed, bubble=False):
        """Pushes to this console were lost on the way: read the live state again."""

        def __init__(self, resync: Resync) -> None:
            super().__init__(resync)
            self.reason = resync.reason

    class CampaignCallReceived(Pushed, bubble=False):
        """A campaign's callee was connected to this agent: campaign, script, codes."""

        def __init__(self, call: CampaignCall) -> None:
            super().__init__(call)
            self.call = call

    class CampaignUpdated(Pushed, bubble=False):
        """A campaign's live figures moved (supervisors)."""

        def __init__(self, update: CampaignUpdate) -> None:
            super().__init__(update)
            self.update = update

    class ConnectionChanged(TextualMessage, bubble=False):
        """The feed connected, lost the service, or had its session refused."""

        def __init__(self, connected: bool, detail: str, *, refused: bool) -> None:
            super().__init__()
            self.connected = connected
            self.detail = detail
            self.refused = refused

    def __init__(self, client: DeskClient, *, post: Post) -> None:
        self._client = client
        self._post = post
        self.connected = False
        self.refused = False
        self._wake = asyncio.Event()

    def retry_now(self) -> None:
        """Skip the pause before the next reconnect attempt."""
        self._wake.set()

    async def run(self) -> None:
        """Connect, read, and reconnect after any failure, until cancelled."""
        pause = FIRST_RETRY
        while True:
            try:
                await self._read_once()
                detail = "the service closed the connection"
            except SessionRefusedError as error:
                self.refused = True
                self._set_status(False, str(error))
                return
            except (aiohttp.ClientError, OSError, TimeoutError, ProtocolError) as error:
                detail = str(error) or type(error).__name__
            if self.connected:
                pause = FIRST_RETRY
            self._set_status(False, detail)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
            pause = min(pause * 2, MAX_RETRY)

    async def _read_once(self) -> None:
        token = self._client.token
        if token is None:
            raise ProtocolError("not logged in")
        async with self._client.http.ws_connect(self._client.ws_url, heartbeat=20) as socket:
            await socket.send_str(to_json(Authenticate(token)))
            async for incoming in socket:
                if incoming.type is not aiohttp.WSMsgType.TEXT:
                    break
                try:
                    message = from_json(incoming.data)
                except ProtocolError as error:
                    log.warning("ignoring a message: %s", error)
                    continue
                if isinstance(message, SessionReady):
                    self._set_status(True, "connected")
                    continue
                self._pushed(message)
            if socket.close_code == CLOSE_UNAUTHORIZED:
                raise SessionRefusedError("the session ended (logged out or expired)")

    def _pushed(self, message: Message) -> None:
        pushed: LiveFeed.Pushed
        if isinstance(message, ScreenPop):
            pushed = self.PopReceived(message)
        elif isinstance(message, CallUpdate):
            pushed = self.CallUpdated(message)
        elif isinstance(message, QueueUpdate):
            pushed = self.QueueUpdated(message)
        elif isinstance(message, AgentState):
            pushed = self.AgentStateChanged(message)
        elif isinstance(message, TelephonyStatus):
            pushed = self.TelephonyChanged(message)
        elif isinstance(message, Notice):
            pushed = self.NoticeReceived(message)
        elif isinstance(message, CampaignCall):
            pushed = self.CampaignCallReceived(message)
        elif isinstance(message, CampaignUpdate):
            pushed = self.CampaignUpdated(message)
        elif isinstance(message, Resync):
            pushed = self.ResyncAsked(message)
        else:
            log.warning("ignoring a %s message", message.type)
            return
        self._post(pushed)

    def _set_status(self, connected: bool, detail: str) -> None:
        changed = connected != self.connected
        self.connected = connected
        if changed or not connected:
            self._post(self.ConnectionChanged(connected, detail, refused=self.refused))


__all__ = ["LiveFeed", "SessionRefusedError"]
