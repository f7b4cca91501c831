"""A real Asterisk writes queue_log to a PostgreSQL table (extconfig.conf ``queue_log =>
pgsql``, Asterisk's contrib schema) and to its file at once (``queue_log_to_file``): the
lines and stints the service stores from the table are those of the file, and the
service reading the table resumes after a restart with no line twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from crm_core.wiring import Crm, build_crm
from cti.kpi import Outcome, QueueLogLine, StintBook, parse_line
from cti.service import CtiService
from cti.settings import Settings, StatsSettings
from cti.statistics.lines import read_back
from cti.statistics.table import QueueLogTableSource, TableShape, row_text
from tests.support.asterisk import AmiClient, AsteriskServer, observer_session
from tests.support.postgres import PostgresServer
from tests.support.realtime_queue_log import (
    SERVER_NAME,
    TABLE,
    create_contrib_table,
    queue_log_file,
    realtime_layout,
    write_realtime,
)
from tests.support.stats import abandoned, answered_and_ended
from tests.support.telephony import settings_for

pytestmark = [pytest.mark.asterisk, pytest.mark.xdist_group("asterisk")]
DATABASE = "asterisk_realtime"
UTC = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def asterisk_dsn(postgres: PostgresServer) -> str:
    """The database Asterisk writes its queue_log table to (the table made empty)."""
    postgres.create_database(DATABASE)
    dsn = postgres.dsn_for(DATABASE)
    asyncio.run(create_contrib_table(dsn))
    return dsn


@pytest.fixture(scope="module")
def realtime_asterisk(
    asterisk: AsteriskServer, postgres: PostgresServer, asterisk_dsn: str
) -> Iterator[AsteriskServer]:
    """A sandbox Asterisk of this module's own writing queue_log to the table and file.
    (After the session's: its tree is copied from that one, built by then, and the module
    runs on the worker of the Asterisk tests.)"""
    server = AsteriskServer(realtime_layout()).start()
    try:
        write_realtime(server, port=postgres.port, database=DATABASE)
        yield server
    finally:
        server.stop()


@pytest.fixture
async def realtime_ami(realtime_asterisk: AsteriskServer) -> AsyncIterator[AmiClient]:
    """The tests' wide AMI account on that Asterisk."""
    client = await observer_session(realtime_asterisk)
    yield client
    await client.close()


def table_source(dsn: str, crm: Crm) -> QueueLogTableSource:
    """The service's reader of the table, into ``crm``'s store."""

    async def connect() -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(dsn)
        return connection

    return QueueLogTableSource(connect=connect, table=TABLE, server=SERVER_NAME,
                               store=crm.queue_log, zone=UTC)  # fmt: skip


def file_lines(path: Path, calls: set[str]) -> list[QueueLogLine]:
    """The lines of ``calls`` in Asterisk's queue_log file, as the file's tailer reads them."""
    texts = path.read_text(encoding="utf-8").splitlines()
    return [parse_line(text) for text in texts if text.split("|")[1:2] in ([c] for c in calls)]


async def stored_lines(crm: Crm, calls: set[str]) -> list[QueueLogLine]:
    """The lines of ``calls`` the store has, in the order written."""
    rows = await crm.queue_log.lines(since=0, until=10**10, server=SERVER_NAME)
    return [read_back(row) for row in rows if row.call_id in calls]


def ended(lines: list[QueueLogLine], calls: set[str]) -> bool:
    """Every call of ``calls`` has its last line (a completion or an abandon)."""
    endings = {"COMPLETECALLER", "COMPLETEAGENT", "ABANDON"}
    return {line.call_id for line in lines if line.event in endings} == calls


def fields(lines: list[QueueLogLine]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """Each line without its time."""
    return [(li.call_id, li.queue, li.agent, li.event, li.data) for li in lines]


def outcomes(lines: list[QueueLogLine]) -> list[tuple[object, ...]]:
    """Each stint's figures (what the reports count): from the data fields."""
    book = StintBook().feed_all(lines)
    return [(s.call_id, s.queue, s.caller, s.outcome, s.wait, s.agent, s.talk, s.completed_by)
            for s in book.stints]  # fmt: skip


async def both_ended(
    source: QueueLogTableSource, crm: Crm, path: Path, calls: set[str]
) -> tuple[list[QueueLogLine], list[QueueLogLine]]:
    """The lines of ``calls`` read from the table and from the file, once both have every
    call's last line (Asterisk writes them as it goes: read again until then)."""
    async with asyncio.timeout(15):
        while True:
            await source.read()
            from_table = await stored_lines(crm, calls)
            from_file = file_lines(path, calls)
            if ended(from_table, calls) and ended(from_file, calls):
                return from_table, from_file
            await asyncio.sleep(0.1)


async def test_the_tables_lines_and_stints_are_those_asterisk_wrote_to_its_file(
    realtime_asterisk: AsteriskServer, realtime_ami: AmiClient, asterisk_dsn: str, sqlite_url: str
) -> None:
    connect = await answered_and_ended(realtime_ami)
    joined = await abandoned(realtime_ami)
    calls = {connect["Uniqueid"], joined["Uniqueid"]}  # queue_log names the caller's channel
    crm = build_crm(database_url=sqlite_url)
    source = table_source(asterisk_dsn, crm)
    try:
        from_table, from_file = await both_ended(
            source, crm, queue_log_file(realtime_asterisk), calls
        )
    finally:
        await source.stop()
        await crm.close()
    assert fields(from_table) == fields(from_file)
    # The file's time is read when its line is written, the table's just before: the
    # same second, or the next when a second turned in between.
    assert all(0 <= f.time - t.time <= 1 for t, f in zip(from_table, from_file, strict=True))
    assert outcomes(from_table) == outcomes(from_file)
    answered, gave_up = outcomes(from_table)
    assert answered[3:6] == (Outcome.ANSWERED, int(connect["HoldTime"]), "Agent1")
    assert gave_up[3] is Outcome.ABANDONED


async def test_the_service_reads_the_table_and_resumes_after_a_restart_with_no_line_twice(
    realtime_asterisk: AsteriskServer, realtime_ami: AmiClient, asterisk_dsn: str, sqlite_url: str
) -> None:
    stats = StatsSettings(queue_log_table_url=asterisk_dsn, server=SERVER_NAME, poll_seconds=0.2)
    settings = settings_for(realtime_asterisk, sqlite_url).model_copy(update={"stats": stats})
    async with serving(settings):
        pass  # the first service reads what is there and stops
    joined = await abandoned(realtime_ami)  # while no service reads
    async with serving(settings) as second:
        lines = await stored_lines(second.crm, {joined["Uniqueid"]})
        stored = await second.crm.queue_log.lines(since=0, until=10**10, server=SERVER_NAME)
    assert [line.event for line in lines] == ["ENTERQUEUE", "ABANDON"]
    connection = await asyncpg.connect(asterisk_dsn)
    try:
        rows = await connection.fetch(TableShape(TABLE, split_data=True).query(), 0, 10**6)
    finally:
        await connection.close()
    texts = {row_text(row, UTC, split_data=True) for row in rows}
    assert len(stored) == len(texts)  # every row once (rows alike in a second are one line)


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[CtiService]:
    """The service started, its first read of the table done; stopped at the end."""
    service = CtiService(settings)
    await service.start(online_within=15)
    try:
        reader = service.statistics.tailer
        assert isinstance(reader, QueueLogTableSource)
        async with asyncio.timeout(15):
            await reader.caught_up.wait()
        yield service
    finally:
        await service.stop()
