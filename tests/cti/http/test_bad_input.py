"""Bad input is refused with a 400 in the usual JSON error shape, never repaired, never a 500.

Values bound for Asterisk with a line break at either end are refused like a line break
inside; deep or oversized bodies are refused before they are parsed; errors aiohttp
raises before routing (an over-long request line) come in the same JSON shape.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm
from cti.calls.schemas import DtmfBody, TransferBody
from cti.http.app import start_site
from cti.http.errors import InvalidBodyError
from cti.http.parsing import validate
from cti.http.schemas import DialBody
from cti.protocol import CLOSE_UNAUTHORIZED
from cti.service import make_app
from tests.support.api import PASSWORD, add_agent_and_supervisor, error_of, token_of
from tests.support.campaigns import campaign_spec

EDGE_BREAKS = ["\r\n{}", "{}\r\n", "{}\n", "\r{}", "\n{}\n"]


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the API served on a loopback socket, with an agent and a supervisor."""
    await add_agent_and_supervisor(crm)
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield client


# -- line breaks at the ends of values bound for Asterisk ------------------------------
@pytest.mark.parametrize("shape", EDGE_BREAKS)
@pytest.mark.parametrize(
    ("model", "field", "value"),
    [(DialBody, "number", "6001"), (DtmfBody, "digits", "12#"),
     (TransferBody, "target", "queue:sales")],
)  # fmt: skip
def test_a_line_break_at_either_end_of_a_number_dtmf_or_target_is_refused(
    model: Any, field: str, value: str, shape: str
) -> None:
    with pytest.raises(InvalidBodyError) as refused:
        validate(model, {field: shape.format(value)}, InvalidBodyError)
    assert [item["field"] for item in refused.value.details["fields"]] == [field]


@pytest.mark.parametrize("shape", EDGE_BREAKS)
async def test_a_member_name_with_a_line_break_at_an_end_is_a_400_and_nothing_is_stored(
    api: TestClient[Any, Any], crm: Crm, shape: str
) -> None:
    body = {"name": shape.format("Li Lei"), "phones": ["13812345678"]}
    response = await api.post("/api/members", json=body, headers=await token_of(api, "agent7"))
    error = await error_of(response, 400)
    assert [item["field"] for item in error["details"]["fields"]] == ["name"]
    assert await crm.directory.lookup("13812345678") == []


@pytest.mark.parametrize("shape", EDGE_BREAKS)
async def test_a_staff_display_name_with_a_line_break_at_an_end_is_refused(
    crm: Crm, shape: str
) -> None:
    with pytest.raises(InvalidInputError, match="display_name"):
        await crm.users.add(
            {"login": "agent9", "display_name": shape.format("Agent 9"), "role": "agent"}
        )


@pytest.mark.parametrize("field", ["name", "caller_id"])
async def test_a_campaign_name_or_caller_id_with_a_trailing_line_break_is_refused(
    crm: Crm, field: str
) -> None:
    value = campaign_spec()[field] + "\r\n"
    with pytest.raises(InvalidInputError, match=field):
        await crm.campaigns.create(campaign_spec(**{field: value}), "sup1")


# -- bodies bounded in size and depth before parsing -----------------------------------
@pytest.mark.parametrize("opening", ["[", '{"a":'])
async def test_a_deeply_nested_body_is_a_400_before_authentication(
    api: TestClient[Any, Any], opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    raw = opening * 5000 + "1" + closing * 5000
    error = await error_of(await api.post("/api/login", data=raw), 400)
    assert error["error_id"] == "invalid-body"
    assert "deep" in error["message"]


async def test_a_deeply_nested_body_is_a_400_on_an_authenticated_route(
    api: TestClient[Any, Any],
) -> None:
    raw = '{"name": ' + "[" * 5000 + "]" * 5000 + "}"
    response = await api.post("/api/members", data=raw, headers=await token_of(api, "agent7"))
    assert (await error_of(response, 400))["error_id"] == "invalid-body"


async def test_brackets_inside_strings_do_not_count_as_depth(api: TestClient[Any, Any]) -> None:
    body = {"username": "agent7", "password": "[" * 200 + "{" * 200}
    response = await api.post("/api/login", data=json.dumps(body))
    assert (await error_of(response, 401))["error_id"] == "invalid-credentials"


async def test_an_oversized_body_is_refused_in_the_error_shape(api: TestClient[Any, Any]) -> None:
    raw = json.dumps({"username": "agent7", "password": "x" * 2_000_000}).encode()
    error = await error_of(await api.post("/api/login", data=io.BytesIO(raw)), 413)
    assert error["error_id"] == "request-entity-too-large"


# -- errors raised before routing ------------------------------------------------------
async def raw_exchange(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send ``request`` on a fresh connection; the status line, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


async def test_an_over_long_request_line_is_a_400_in_the_json_error_shape(crm: Crm) -> None:
    runner = await start_site(make_app(crm=crm), port=0)
    try:
        port = runner.addresses[0][1]
        path = "/api/members?q=" + "x" * 9000
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        status, headers, body = await raw_exchange(port, request)
    finally:
        await runner.cleanup()
    assert status.split()[1] == "400"
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert set(error) == {"error_id", "message", "details"}
    assert error["error_id"] == "bad-request"


async def test_a_malformed_header_is_a_400_in_the_json_error_shape(crm: Crm) -> None:
    runner = await start_site(make_app(crm=crm), port=0)
    try:
        port = runner.addresses[0][1]
        request = b"GET /api/openapi.json HTTP/1.1\r\nHost x\r\n\r\n"
        status, _headers, body = await raw_exchange(port, request)
    finally:
        await runner.cleanup()
    assert status.split()[1] == "400"
    assert json.loads(body)["error_id"] == "bad-request"


# -- ids, cursors and WebSocket messages -----------------------------------------------
@pytest.mark.parametrize("digits", ["%C2%B2", "%D9%A3"])
async def test_unicode_digits_in_an_id_are_a_400(api: TestClient[Any, Any], digits: str) -> None:
    headers = await token_of(api, "boss")
    error = await error_of(await api.get(f"/api/kb/articles/{digits}", headers=headers), 400)
    assert error["error_id"] == "invalid-query"


async def test_unicode_digits_in_a_callback_id_name_no_task(api: TestClient[Any, Any]) -> None:
    headers = await token_of(api, "boss")
    response = await api.post("/api/callbacks/%C2%B2/done", headers=headers)
    assert (await error_of(response, 404))["error_id"] == "not-found"


@pytest.mark.parametrize(
    "cursor",
    ["MjAyNi0wMy0wMlQwOTowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
     "MDAwMS0wMS0wMVQwMDowMDowMCswMTowMHwx"],
)  # fmt: skip
async def test_a_cursor_naming_an_impossible_place_is_a_400(
    api: TestClient[Any, Any], cursor: str
) -> None:
    headers = await token_of(api, "boss")
    response = await api.get(f"/api/call-records?cursor={cursor}", headers=headers)
    assert (await error_of(response, 400))["error_id"] == "invalid-query"


@pytest.mark.parametrize(
    "first", ['{"type": []}', '{"type": {}}', "[" * 5000 + "]" * 5000, '{"type": 5}']
)
async def test_a_malformed_first_websocket_message_closes_the_console_as_unauthorised(
    api: TestClient[Any, Any], first: str
) -> None:
    socket = await api.ws_connect("/api/ws")
    await socket.send_str(first)
    closing = await socket.receive(timeout=5)
    assert closing.type is WSMsgType.CLOSE
    assert socket.close_code == CLOSE_UNAUTHORIZED
    assert (
        await api.post("/api/login", json={"username": "x", "password": PASSWORD})
    ).status == 401
