"""The console's client decodes every response into its wire type, in one place."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from agent_tui.client import ApiFailure, DeskClient


async def _serving(routes: web.RouteTableDef) -> TestServer:
    app = web.Application()
    app.add_routes(routes)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_a_response_that_does_not_fit_its_type_fails_naming_the_field() -> None:
    routes = web.RouteTableDef()

    @routes.get("/api/members/I-00000001/ledger")
    async def ledger(_: web.Request) -> web.Response:
        return web.json_response({"lines": [{"entry_id": 1, "created_at": "2026-03-02"}]})

    server = await _serving(routes)
    client = DeskClient(str(server.make_url("")))
    try:
        with pytest.raises(ApiFailure) as failed:
            await client.ledger("I-00000001")
    finally:
        await client.close()
        await server.close()
    assert failed.value.error_id == "bad-response"
    assert "'lines[0].operation' is missing" in failed.value.message
    assert failed.value.path == "GET /api/members/I-00000001/ledger"


async def test_a_refusal_that_is_not_the_services_error_body_shows_the_http_reason() -> None:
    routes = web.RouteTableDef()

    @routes.get("/api/kb/search")
    async def search(_: web.Request) -> web.Response:
        return web.Response(status=502, text="")

    @routes.get("/api/kb/articles/4")
    async def article(_: web.Request) -> web.Response:
        body = {"error_id": "not-found", "message": "no article 4", "details": {"id": 4}}
        return web.json_response(body, status=404)

    server = await _serving(routes)
    client = DeskClient(str(server.make_url("")))
    try:
        with pytest.raises(ApiFailure) as proxy:
            await client.kb_search("kettle")
        with pytest.raises(ApiFailure) as refused:
            await client.kb_article(4)
    finally:
        await client.close()
        await server.close()
    assert (proxy.value.status, proxy.value.error_id) == (502, "http-error")
    assert proxy.value.message == "Bad Gateway"
    assert (refused.value.error_id, refused.value.message) == ("not-found", "no article 4")
