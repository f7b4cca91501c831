"""The real Asterisk sandbox, started once for the session and stopped by pid."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from cti.service import CtiService
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import running_service


@pytest.fixture(scope="session")
def asterisk() -> Iterator[AsteriskServer]:
    """The sandbox Asterisk on free loopback ports (AMI host/port/username/secret)."""
    server = AsteriskServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def ami(asterisk: AsteriskServer) -> AsyncIterator[AmiClient]:
    """An AMI connection logged in with the sandbox's generated secret."""
    client = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    response = await client.login(asterisk.ami_username, asterisk.ami_secret)
    assert response["Response"] == "Success", response
    yield client
    await client.close()


@pytest.fixture
async def service(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The whole service over a fresh database, online to the sandbox; stopped at the end."""
    async with running_service(asterisk, sqlite_url) as running:
        yield running
