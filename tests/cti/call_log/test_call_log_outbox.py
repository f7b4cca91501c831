"""Call records survive failed writes: retried while the database is down, parked when refused.

The restart test runs on a PostgreSQL server of its own (stopping the session's shared
server would break the other tests), stopped and started again by pid while calls end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from crm_core.db.migrate import upgrade
from crm_core.wiring import Crm, build_crm
from cti.ami import Backoff
from cti.bus.directory import AgentDirectory
from cti.call_log.services import CallLogWriter
from cti.model import CallEnded
from cti.screen_pop.lookup import CallerLookup
from tests.support.postgres import PostgresServer

FAST = Backoff(initial=0.05, maximum=0.5, jitter=0)
START = 1_770_000_000.0
GHOST = "PJSIP/6099"


class RestartablePostgres(PostgresServer):
    """A throwaway server that can also be stopped and started again on the same port."""

    def halt(self) -> None:
        """Stop the postmaster (fast shutdown), keeping the cluster."""
        self._run_pg(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        self._pid = None

    def resume(self) -> None:
        """Start the postmaster again on its port."""
        options = f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run_pg(
            ["pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.log_path),
             "-w", "start"]
        )  # fmt: skip
        self._pid = self._read_pid()


@pytest.fixture(scope="module")
def own_postgres(postgres: PostgresServer) -> Iterator[RestartablePostgres]:
    """A server of this module's own (asks for the session's so the test is marked postgres)."""
    server = RestartablePostgres().start()
    try:
        yield server
    finally:
        server.stop()


async def crm_on(url: str) -> Crm:
    await upgrade(url)
    return build_crm(database_url=url)


def writer_for(crm: Crm) -> CallLogWriter:
    return CallLogWriter(
        crm=crm,
        callers=CallerLookup(crm=crm, inbound_media={}),
        agents=AgentDirectory(users=crm.users),
        backoff=FAST,
    )


def ended(n: int, *, agent: str | None = None) -> CallEnded:
    """An answered inbound queue call number ``n``."""
    at = START + 100 * n
    return CallEnded(
        at=at + 60, call_id=f"{START + n:.1f}", outcome="answered", queue="support",
        agent=agent, caller_number=f"1380013{n:04d}", caller_name="", did="4008001234",
        started_at=at, answered_at=at + 5, wait_time=5.0, talk_time=55.0, cause=16,
        cause_text="Normal Clearing", transferred=False,
    )  # fmt: skip


@pytest.fixture
async def pg_crm(own_postgres: RestartablePostgres) -> AsyncIterator[Crm]:
    crm = await crm_on(own_postgres.create_database("restarts"))
    yield crm
    await crm.close()


async def test_a_database_restart_mid_shift_loses_no_call_record(
    own_postgres: RestartablePostgres, pg_crm: Crm
) -> None:
    writer = writer_for(pg_crm)
    for n in range(5):
        writer(ended(n))
    await writer.wait_until(lambda: len(writer.records) == 5)

    own_postgres.halt()
    for n in range(5, 10):
        writer(ended(n))
    # Every call that ended during the outage failed at least once and is still pending.
    await writer.wait_until(lambda: writer.failures >= 5 and len(writer.pending) == 5)
    own_postgres.resume()

    await writer.wait_until(lambda: len(writer.records) == 10, within=60)
    page = await pg_crm.calls.search({"limit": 50})
    assert sorted(call.linked_id for call in page.calls) == sorted(
        ended(n).call_id for n in range(10)
    )
    assert writer.pending == {} and writer.parked == 0
    await writer.drain()


async def test_a_refused_record_is_parked_and_written_when_the_crm_accepts_it(
    any_crm: Crm,
) -> None:
    writer = writer_for(any_crm)
    # The phone's user is known to the directory but not to the CRM: the write is refused.
    agents = AgentDirectory(users=any_crm.users)
    someone = await any_crm.users.add({"login": "someone", "display_name": "S", "role": "agent"})
    agents.remember(replace(someone, login="ghost", interface=GHOST))
    writer = CallLogWriter(
        crm=any_crm, callers=CallerLookup(crm=any_crm, inbound_media={}), agents=agents,
        backoff=FAST,
    )  # fmt: skip
    call = ended(1, agent=GHOST)
    assert await writer.write(call) is None
    [parked] = await any_crm.calls.parked()
    assert parked.linked_id == call.call_id and parked.payload["agent_login"] == "ghost"
    assert "ghost" in parked.last_error and writer.parked == 1

    assert await writer.replay_parked() == (0, 1)  # still refused: kept, attempt counted
    [again] = await any_crm.calls.parked()
    assert again.attempts == 2

    await any_crm.users.add({"login": "ghost", "display_name": "G", "role": "agent"})
    assert await writer.replay_parked() == (1, 0)
    record = await any_crm.calls.get(call.call_id)
    assert record.agent_login == "ghost"
    assert record.ended_at == datetime.fromtimestamp(call.at, UTC)
    assert await any_crm.calls.parked() == []
