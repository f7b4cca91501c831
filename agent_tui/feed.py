"""The console's WebSocket feed: authenticate, pass each message on, reconnect for ever.

``LiveFeed.run`` keeps going until cancelled: when the service goes away it reports
``connected=False`` and tries again with a growing pause (capped), so the screen stays
as it was and fills up again after the resync the app does on ``connected=True``. Only a
refused token (close code 4401: logged out, expired) ends it, with ``refused`` set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp

from agent_tui.client import DeskClient
from cti.protocol import Authenticate, Message, ProtocolError, SessionReady, from_json, to_json

log = logging.getLogger(__name__)
OnMessage = Callable[[Message], None]
OnStatus = Callable[[bool, str], None]
CLOSE_UNAUTHORIZED = 4401  # the hub's close code for a token it does not accept
FIRST_RETRY = 0.5
MAX_RETRY = 5.0


class SessionRefusedError(Exception):
    """The service no longer accepts this console's token: reconnecting cannot help."""


class LiveFeed:
    """Reads the service's pushes for one logged-in console."""

    def __init__(self, client: DeskClient, *, on_message: OnMessage, on_status: OnStatus) -> None:
        self._client = client
        self._on_message = on_message
        self._on_status = on_status
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
                self._on_message(message)
            if socket.close_code == CLOSE_UNAUTHORIZED:
                raise SessionRefusedError("the session ended (logged out or expired)")

    def _set_status(self, connected: bool, detail: str) -> None:
        changed = connected != self.connected
        self.connected = connected
        if changed or not connected:
            self._on_status(connected, detail)


__all__ = ["LiveFeed", "SessionRefusedError"]
