"""The REST API over a real migrated SQLite CRM, through a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.wiring import Crm
from cti.service import make_app
from tests.conftest import START, Clock
from tests.support.api import PASSWORD, add_agent_and_supervisor, error_of, token_of


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the API served on a loopback socket, with an agent and a supervisor."""
    await add_agent_and_supervisor(crm)
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield client


# -- login and tokens ------------------------------------------------------------------
async def test_login_returns_a_token_the_role_and_the_user(api: TestClient[Any, Any]) -> None:
    response = await api.post("/api/login", json={"username": "agent7", "password": PASSWORD})
    body = await response.json()
    assert response.status == 200
    assert body["role"] == "agent"
    assert body["user"]["login"] == "agent7"
    assert body["user"]["queues"] == [{"queue": "sales", "penalty": 0}]
    assert "password_hash" not in body["user"]
    assert body["expires_at"].startswith((START + timedelta(hours=12)).date().isoformat())
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await api.get("/api/members?q=nobody", headers=headers)).status == 200


async def test_wrong_password_and_unknown_user_get_the_same_401(
    api: TestClient[Any, Any],
) -> None:
    wrong = await api.post("/api/login", json={"username": "agent7", "password": "nope nope"})
    unknown = await api.post("/api/login", json={"username": "ghost", "password": PASSWORD})
    first, second = await error_of(wrong, 401), await error_of(unknown, 401)
    assert first == second
    assert first["error_id"] == "invalid-credentials"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "agent7"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": "agent7", "password": 5}, "password"),
        ({"username": "agent7", "password": PASSWORD, "role": "admin"}, "role"),
    ],
)
async def test_a_bad_login_body_is_a_400_naming_the_field(
    api: TestClient[Any, Any], body: dict[str, Any], field: str
) -> None:
    error = await error_of(await api.post("/api/login", json=body), 400)
    assert error["error_id"] == "invalid-body"
    assert [item["field"] for item in error["details"]["fields"]] == [field]
    assert error["message"].startswith(f"{field}: ")


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
async def test_a_body_that_is_not_a_json_object_is_a_400(
    api: TestClient[Any, Any], raw: bytes
) -> None:
    error = await error_of(await api.post("/api/login", data=raw), 400)
    assert error["error_id"] == "invalid-body"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YWdlbnQ3OnB3"}, {"Authorization": "Bearer "}],
)
async def test_no_bearer_token_is_a_401(api: TestClient[Any, Any], headers: dict[str, str]) -> None:
    error = await error_of(await api.get("/api/members?q=x", headers=headers), 401)
    assert error["error_id"] == "missing-token"


async def test_a_wrong_token_is_a_401(api: TestClient[Any, Any]) -> None:
    headers = {"Authorization": "Bearer " + "x" * 43}
    error = await error_of(await api.get("/api/members?q=x", headers=headers), 401)
    assert error["error_id"] == "invalid-token"


async def test_an_expired_token_is_a_401(api: TestClient[Any, Any], clock: Clock) -> None:
    headers = await token_of(api, "agent7")
    clock.advance(hours=12, seconds=1)
    error = await error_of(await api.get("/api/members?q=x", headers=headers), 401)
    assert error["error_id"] == "invalid-token"
    assert "expired" in error["message"]


async def test_logout_revokes_the_token(api: TestClient[Any, Any]) -> None:
    headers = await token_of(api, "agent7")
    assert (await api.post("/api/logout", headers=headers)).status == 204
    error = await error_of(await api.get("/api/members?q=x", headers=headers), 401)
    assert error["error_id"] == "invalid-token"


async def test_an_agent_may_not_list_staff_but_a_supervisor_may(
    api: TestClient[Any, Any],
) -> None:
    error = await error_of(await api.get("/api/users", headers=await token_of(api, "agent7")), 403)
    assert error["error_id"] == "forbidden"
    assert error["details"] == {"role": "agent", "allowed": ["admin", "supervisor"]}
    response = await api.get("/api/users", headers=await token_of(api, "boss"))
    assert response.status == 200
    assert [user["login"] for user in (await response.json())["users"]] == ["agent7", "boss"]


async def test_unknown_routes_and_methods_answer_in_the_error_shape(
    api: TestClient[Any, Any],
) -> None:
    assert (await error_of(await api.get("/api/nothing"), 404))["error_id"] == "not-found"
    wrong_method = await error_of(await api.get("/api/login"), 405)
    assert wrong_method["error_id"] == "method-not-allowed"
