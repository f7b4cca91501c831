"""Login throttling: back-off and lock-out per login name and per address (429 with
Retry-After), audited; password checks on a bounded pool of their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.staff.audit import AccessAction
from crm_core.staff.exceptions import (
    HashingBusyError,
    InvalidCredentialsError,
    TooManyAttemptsError,
)
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.throttle import Limit, LoginThrottle, ThrottlePolicy
from crm_core.wiring import Crm
from cti.service import make_app
from tests.conftest import START, Clock
from tests.support.api import PASSWORD, add_agent_and_supervisor, error_of

WRONG = "not the password"


@pytest.fixture
async def api(crm: Crm) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the API (default throttling), with an agent and a supervisor."""
    await add_agent_and_supervisor(crm)
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield client


async def attempt(api: TestClient[Any, Any], login: str, password: str) -> Any:
    return await api.post("/api/login", json={"username": login, "password": password})


async def test_the_fourth_failure_in_a_row_must_wait_and_says_how_long(
    api: TestClient[Any, Any], clock: Clock
) -> None:
    for _ in range(3):
        assert (await attempt(api, "agent7", WRONG)).status == 401
    refused = await attempt(api, "agent7", PASSWORD)  # even the right password waits
    error = await error_of(refused, 429)
    assert error["error_id"] == "too-many-attempts"
    assert refused.headers["Retry-After"] == "1" == str(error["details"]["retry_after"])
    clock.advance(seconds=1)
    assert (await attempt(api, "agent7", PASSWORD)).status == 200


async def test_five_failures_lock_the_login_out_for_fifteen_minutes_and_it_is_audited(
    api: TestClient[Any, Any], crm: Crm, clock: Clock
) -> None:
    for _ in range(5):
        assert (await attempt(api, "agent7", WRONG)).status == 401
        clock.advance(seconds=30)  # past each back-off
    locked = await attempt(api, "agent7", PASSWORD)
    assert locked.status == 429
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert (await attempt(api, "boss", PASSWORD)).status == 200  # other logins go on
    clock.advance(minutes=15)
    assert (await attempt(api, "agent7", PASSWORD)).status == 200
    audit = await crm.access_audit.entries(actor="agent7")
    actions = [entry.action for entry in reversed(audit)]
    assert actions == [AccessAction.LOGIN_FAILED] * 5 + [
        AccessAction.LOGIN_LOCKED,
        AccessAction.LOGIN_SUCCEEDED,
    ]
    assert {entry.address for entry in audit} == {"127.0.0.1"}
    assert audit[1].subject == "login:agent7"


async def test_a_right_password_clears_the_login_s_failures(
    api: TestClient[Any, Any], clock: Clock
) -> None:
    for _ in range(2):
        assert (await attempt(api, "agent7", WRONG)).status == 401
    assert (await attempt(api, "agent7", PASSWORD)).status == 200
    for _ in range(2):
        assert (await attempt(api, "agent7", WRONG)).status == 401
    assert (await attempt(api, "agent7", PASSWORD)).status == 200


async def test_failures_spread_over_many_logins_throttle_their_address(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    for number in range(10):
        assert (await attempt(api, f"guess{number}", WRONG)).status == 401
    refused = await attempt(api, "boss", PASSWORD)
    assert (await error_of(refused, 429))["error_id"] == "too-many-attempts"
    audited = await crm.access_audit.entries(action=AccessAction.LOGIN_FAILED)
    assert len(audited) == 10


async def test_a_throttled_attempt_is_neither_checked_nor_counted(crm: Crm) -> None:
    await add_agent_and_supervisor(crm)
    for _ in range(3):
        with pytest.raises(InvalidCredentialsError):
            await crm.users.login("agent7", WRONG, address="10.0.0.9")
    before = await crm.access_audit.entries()
    for _ in range(20):
        with pytest.raises(TooManyAttemptsError, match="try again in 1 s"):
            await crm.users.login("agent7", PASSWORD, address="10.0.0.9")
    assert await crm.access_audit.entries() == before  # refused before any check


def test_failures_are_forgotten_a_lockout_after_the_last_one() -> None:
    throttle = LoginThrottle(ThrottlePolicy(per_login=Limit(backoff_after=2, lock_after=3)))
    for _ in range(2):
        throttle.failed("li.na", None, START)
    assert throttle.retry_after("li.na", None, START) == 1
    assert throttle.retry_after("li.na", None, START + timedelta(minutes=15)) == 0
    throttle.failed("li.na", None, START + timedelta(minutes=15))
    assert throttle.retry_after("li.na", None, START + timedelta(minutes=15)) == 0  # a first again


def test_the_throttle_remembers_a_bounded_number_of_keys() -> None:
    throttle = LoginThrottle(ThrottlePolicy(max_keys=100))
    for number in range(1000):
        throttle.failed(f"user{number}", f"10.0.{number // 250}.{number % 250}", START)
    assert len(throttle._keys) <= 100


async def test_password_checks_beyond_the_waiting_limit_are_refused_at_once() -> None:
    hashing = PasswordHashing(workers=1, max_waiting=2)
    release = threading.Event()
    try:
        running = [asyncio.create_task(hashing.run(release.wait)) for _ in range(2)]
        await asyncio.sleep(0)  # yield once: both tasks start and take their places
        with pytest.raises(HashingBusyError) as busy:
            await hashing.run(release.wait)
        assert busy.value.status == 503 and busy.value.retry_after == 1
    finally:
        release.set()
    assert await asyncio.gather(*running) == [True, True]
    hashing.close()
