"""The aiohttp application factory: the routes it is given, the error middleware, the hub."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from crm_core.wiring import Crm
from cti.http.auth import bearer_token, require_role
from cti.http.errors import dumps, error_middleware
from cti.http.hub import WebSocketHub
from cti.http.limits import ReadLimit
from cti.http.openapi import openapi_document
from cti.http.parsing import MAX_BODY_BYTES
from cti.http.routes import OPENAPI_DOCUMENT, ROUTES, Caller, Route, Services
from cti.http.runner import ApiRunner
from cti.protocol import WEBSOCKET_PATH

SERVICES = web.AppKey("services", Services)
LOOPBACK = "127.0.0.1"


def _service_version() -> str:
    try:
        return version("ctidesk")
    except PackageNotFoundError:
        return "0"


def _endpoint(route: Route) -> Any:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        user, token = None, None
        if route.roles is not None:
            token = bearer_token(request)
            user = await services.crm.users.authenticate(token)
            require_role(user, route.roles)
        result = await route.handler(services, Caller(request, user, token))
        if isinstance(result, web.StreamResponse):
            return result
        if route.response is None:
            return web.Response(status=204)
        return web.json_response(route.response.dump(result), dumps=dumps)

    endpoint.__name__ = route.handler.__name__
    return endpoint


def build_app(
    *,
    crm: Crm,
    routes: tuple[Route, ...],
    hub: WebSocketHub | None = None,
    ws_queue_size: int = 256,
    ws_heartbeat: float = 20.0,
    ws_auth_timeout: float = 5.0,
    ws_recheck: float = 60.0,
    member_reads_per_minute: int = 120,
    middlewares: Sequence[Any] = (),
) -> web.Application:
    """The API: the service's own routes (login, users, this document) and ``routes``.

    The domains declare ``routes``; the composition root gathers them. The service makes
    the ``hub`` first when its parts push before the app exists. ``middlewares`` run
    inside the error middleware (a node of several forwards some requests: cti.cluster).
    """
    hub = hub or WebSocketHub(
        authenticate=crm.users.authenticate,
        queue_size=ws_queue_size,
        heartbeat=ws_heartbeat,
        auth_timeout=ws_auth_timeout,
        recheck=ws_recheck,
    )
    routes = ROUTES + routes
    app = web.Application(
        middlewares=[error_middleware, *middlewares], client_max_size=MAX_BODY_BYTES
    )
    member_reads = ReadLimit(per_minute=member_reads_per_minute, clock=lambda: crm.users.clock())
    app[SERVICES] = Services(crm=crm, hub=hub, member_reads=member_reads)
    app[OPENAPI_DOCUMENT] = openapi_document(
        routes, title="ctidesk API", version=_service_version(), websocket_path=WEBSOCKET_PATH
    )
    for route in routes:
        app.router.add_route(route.method, route.path, _endpoint(route))
    app.router.add_get(WEBSOCKET_PATH, hub.handle)

    async def close_hub(_app: web.Application) -> None:
        await hub.close()

    app.on_shutdown.append(close_hub)
    return app


def hub_of(app: web.Application) -> WebSocketHub:
    """The WebSocket hub of an app made by :func:`build_app` (for the parts that push)."""
    return app[SERVICES].hub


async def start_site(app: web.Application, *, port: int, host: str = LOOPBACK) -> web.AppRunner:
    """Serve ``app`` on ``host:port`` (loopback unless told otherwise); cleanup() stops it."""
    runner = ApiRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


__all__ = ["LOOPBACK", "build_app", "hub_of", "start_site"]
