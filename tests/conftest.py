"""Fixtures shared by every test: a migrated SQLite CRM, a real PostgreSQL, the real
Asterisk sandbox, the console's API served from a thread, a steerable clock.

Test folders mirror the packages (tests/cti/calls for cti/calls…); the real servers are
started once per session, when a test first asks for one, and stopped by pid.

Tests that need a server get its marker from the fixtures they use (see
``pytest_collection_modifyitems``), so
``-m "not asterisk and not postgres and not tmux and not nats and not pcsc and not browser"``
selects the tests that run without root and without servers.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_core.db.migrate import upgrade
from crm_core.wiring import Crm, build_crm
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AsteriskServer, observer_session
from tests.support.campaigns import Running, start_campaign
from tests.support.chromium import Chromium
from tests.support.desk_api import ThreadedApi
from tests.support.nats import NatsServer
from tests.support.postgres import PostgresServer
from tests.support.telephony import running_service

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Marker → the fixtures whose use means a test needs that server or program.
MARKER_FIXTURES = {
    "asterisk": frozenset({"asterisk", "second_asterisk"}),
    "postgres": frozenset({"postgres"}),
    "tmux": frozenset({"tmux"}),
    "nats": frozenset({"nats"}),
    "pcsc": frozenset({"pcscd"}),
    "browser": frozenset({"chromium"}),
}


#: Markers of servers one machine runs once (one sandbox tree, one tmux server, the PC/SC
#: stack): under pytest-xdist their tests share a worker (``--dist loadgroup``), which
#: starts the server once; PostgreSQL and nats-server start per worker on ports of their own.
ONE_PER_MACHINE = ("asterisk", "tmux", "pcsc")


def pytest_configure(config: pytest.Config) -> None:
    """Forget the terminal size pytest-xdist gives its workers (COLUMNS=80, LINES=24):
    rich consoles made when the command-line modules are imported (cti/cli/common.py)
    would keep that width for the session and ignore the COLUMNS each command-line test
    sets, as a run without workers has none. (Nothing has imported them yet.)"""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the servers it needs: those whose fixtures (direct or indirect)
    include a server's fixture, wherever the test file lives; tests of a server the machine
    runs once go to one xdist worker together."""
    for item in items:
        used = frozenset(getattr(item, "fixturenames", ()))
        markers = {marker for marker, fixtures in MARKER_FIXTURES.items() if used & fixtures}
        for marker in sorted(markers):
            item.add_marker(marker)
        shared = [marker for marker in ONE_PER_MACHINE if marker in markers]
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))


class Clock:
    """A clock the test moves by hand; services read it through ``clock()``."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock standing at 2026-03-02 09:00 UTC."""
    return Clock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; tests get a copy."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of a fresh, migrated SQLite database of this test's own."""
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session, stopped by pid at the end."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats() -> Iterator[NatsServer]:
    """One real nats-server (JetStream off) for the whole session, stopped by pid at the end."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()


_pg_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    """A migrated database used as the template of every test's database."""
    asyncio.run(upgrade(postgres.create_database("crm_template")))
    return "crm_template"


@pytest.fixture
def postgres_url(postgres: PostgresServer, postgres_template: str) -> str:
    """The URL of a fresh, migrated PostgreSQL database of this test's own."""
    return postgres.create_database(f"crm_test_{next(_pg_names)}", template=postgres_template)


@pytest.fixture
async def crm(sqlite_url: str, clock: Clock) -> AsyncIterator[Crm]:
    """CRM services over a fresh SQLite database, on the test's clock."""
    services = build_crm(database_url=sqlite_url, clock=clock)
    yield services
    await services.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database on SQLite, then on PostgreSQL: the test runs on both."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(fixture)
    assert isinstance(url, str)
    return url


@pytest.fixture
async def any_crm(any_url: str, clock: Clock) -> AsyncIterator[Crm]:
    """CRM services over SQLite and then over PostgreSQL: the test runs on both."""
    services = build_crm(database_url=any_url, clock=clock)
    yield services
    await services.close()


@pytest.fixture
async def running(any_crm: Crm, clock: Clock) -> Running:
    """A running campaign whose dialer lease is held, on SQLite and on PostgreSQL."""
    return await start_campaign(any_crm, clock)


# -- the real Asterisk sandbox --------------------------------------------------------
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
    """An AMI connection on the tests' own wide account (the service has its own, least
    privileged: tests/support/asterisk.py OBSERVER says why the tests need more)."""
    client = await observer_session(asterisk)
    yield client
    await client.close()


@pytest.fixture
async def service(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The whole service over a fresh database, online to the sandbox; stopped at the end."""
    async with running_service(asterisk, sqlite_url) as running:
        yield running


# -- a browser ------------------------------------------------------------------------
@pytest.fixture
def chromium() -> Iterator[Chromium]:
    """Headless Chromium (Debian's package) with a profile of its own, driven over its
    DevTools port (tests/support/devtools.py); stopped by pid at the end of the test."""
    browser = Chromium().start()
    try:
        yield browser
    finally:
        browser.stop()


# -- the console's API ---------------------------------------------------------------
def _served(url: str) -> Iterator[ThreadedApi]:
    api = ThreadedApi(url).start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def desk_api(sqlite_url: str) -> Iterator[ThreadedApi]:
    """The API over a seeded CRM, served from its own thread."""
    yield from _served(sqlite_url)


@pytest.fixture
def any_desk_api(any_url: str) -> Iterator[ThreadedApi]:
    """The API over a seeded CRM on SQLite and on PostgreSQL (the console sees no
    difference; these tests check that it really sees none)."""
    yield from _served(any_url)
