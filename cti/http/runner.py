"""Serving the app so that errors aiohttp answers itself, before routing, are JSON too.

aiohttp answers a request it cannot parse (a request line over 8 KB, a malformed header,
a body framing error) from its connection handler, outside the application and its
middleware, with a plain-text body. Here the connection handler writes those answers in
the error shape of every other error, ``{"error_id", "message", "details"}``.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from cti.http.errors import INTERNAL_ERROR, dumps, error_body, kebab


class JsonErrorHandler(RequestHandler):
    """aiohttp's connection handler whose own error answers are JSON error bodies."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The JSON error response for a request aiohttp failed to read or serve."""
        super().handle_error(request, status, exc, message)  # logs; refuses if already sent
        if status >= 500:
            body = INTERNAL_ERROR
        else:
            reason = HTTPStatus(status).phrase
            body = error_body(kebab(reason), message or reason, {})
        response = web.Response(status=status, text=dumps(body), content_type="application/json")
        response.force_close()
        return response


class JsonErrorServer(web.Server):
    """aiohttp's low-level server, making :class:`JsonErrorHandler` connections."""

    def __call__(self) -> RequestHandler:
        """A handler for a new connection."""
        return JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class ApiRunner(web.AppRunner):
    """An :class:`aiohttp.web.AppRunner` whose connections answer their errors in JSON."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return JsonErrorServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )


__all__ = ["ApiRunner", "JsonErrorHandler", "JsonErrorServer"]
