"""A flood of bad logins does not starve the service: with the real sandbox Asterisk, the
AMI keep-alive goes on being answered and the event loop's shared thread pool stays free
while 200 wrong passwords arrive at once (argon2id at its real cost)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from crm_core.staff.throttle import Limit, ThrottlePolicy
from crm_core.wiring import Crm, build_crm
from cti.ami.client import AmiClient, ConnectionStatus
from cti.service import make_app
from cti.settings import AmiSettings
from tests.conftest import Clock
from tests.support.api import add_agent_and_supervisor
from tests.support.asterisk import AsteriskServer

BURST = 200
WIDE_OPEN = Limit(backoff_after=10_000, lock_after=10_000)
"""No back-off: every attempt of the flood reaches the password check."""


@pytest.fixture
async def unthrottled_api(sqlite_url: str, clock: Clock) -> AsyncIterator[TestClient[Any, Any]]:
    """The API over a CRM whose login throttle never refuses (real argon2id costs)."""
    crm: Crm = build_crm(
        database_url=sqlite_url,
        clock=clock,
        login_throttle=ThrottlePolicy(per_login=WIDE_OPEN, per_address=WIDE_OPEN),
    )
    await add_agent_and_supervisor(crm)
    async with TestClient(TestServer(make_app(crm=crm))) as client:
        yield client
    await crm.close()


class PongCounter:
    """An AMI raw tap counting the answers to keep-alive pings."""

    def __init__(self) -> None:
        self.pongs = 0

    def __call__(self, raw: bytes) -> None:
        self.pongs += raw.count(b"Ping: Pong")


async def test_keep_alives_are_answered_and_the_shared_pool_is_free_during_200_bad_logins(
    asterisk: AsteriskServer, unthrottled_api: TestClient[Any, Any]
) -> None:
    settings = AmiSettings(
        host=asterisk.ami_host, port=asterisk.ami_port, username=asterisk.ami_username,
        secret=SecretStr(asterisk.ami_secret), ping_interval=0.05,
    )  # fmt: skip
    counter = PongCounter()
    ami = AmiClient(settings, ping_timeout=2.0, on_raw=counter)
    await ami.start()
    try:
        await ami.wait_online(within=15)
        pongs_before = counter.pongs
        burst = [
            asyncio.create_task(
                unthrottled_api.post(
                    "/api/login", json={"username": f"guess{n}", "password": "wrong wrong"}
                )
            )
            for n in range(BURST)
        ]
        await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.to_thread(lambda: None)  # the loop's shared pool, as DNS and files use
        checked_by_then = sum(task.done() and task.result().status == 401 for task in burst)
        responses = await asyncio.gather(*burst)
        pongs_during = counter.pongs - pongs_before
        status_after = ami.status
    finally:
        await ami.stop()
    statuses = [response.status for response in responses]
    assert set(statuses) <= {401, 503}
    checked = statuses.count(401)
    busy = statuses.count(503)
    print(f"{checked} checked, {busy} refused busy, {pongs_during} pongs; the shared pool "
          f"answered after {checked_by_then} checks")  # fmt: skip
    assert checked_by_then < checked / 4  # password checks never queue in the shared pool
    assert all(r.headers["Retry-After"] == "1" for r in responses if r.status == 503)
    assert pongs_during >= 1
    assert ami.connections_made == 1  # never timed out and reconnected
    assert status_after is ConnectionStatus.ONLINE
