"""textual-serve's server, made to end its browser sessions when it is stopped.

textual-serve alone waits for every open browser to disconnect (up to aiohttp's shutdown
timeout, a minute) before it exits; this one closes their WebSockets on shutdown, and each
session's console is then told to quit, as when its browser tab closes.
"""

from __future__ import annotations

import weakref

from aiohttp import WSCloseCode, web
from textual_serve.server import Server


class ConsoleServer(Server):
    """A textual-serve ``Server`` that closes its browser sessions when it shuts down."""

    def __init__(self, command: str, *, host: str, port: int, title: str, public_url: str) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self._sessions: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.on_response_prepare.append(self._remember_session)
        return app

    async def _remember_session(self, request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse):
            self._sessions.add(response)

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every browser session's WebSocket (the session's console then quits)."""
        await super().on_shutdown(app)
        for session in list(self._sessions):
            await session.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")
