"""The reader of Asterisk's realtime queue_log table, on rows inserted here as Asterisk's
documented schema has them (contrib/ast-db-manage: a BIGSERIAL id, data1..data5, or one
data column): rows become the file's lines, a malformed row is left out, a restart
resumes after the last id, a row committed late within the re-read window is still
stored once; the settings choose a file or a table, never both.
(tests/cti/statistics/test_queue_log_table_live.py has a real Asterisk write the table.)"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from pydantic import SecretStr, ValidationError

from crm_core.wiring import Crm
from cti.kpi import Outcome, StintBook, parse_line
from cti.settings import StatsSettings
from cti.statistics.lines import read_back
from cti.statistics.table import REREAD_IDS, QueueLogTableSource, TableError
from cti.statistics.tailer import Step
from tests.support.postgres import PostgresServer
from tests.support.realtime_queue_log import create_contrib_table

SERVER = "pbx1"
T0 = datetime(2026, 12, 7, 1, 0, 0, 250000)
"""09:00:00.25 in Shanghai, as UTC (queue_log_realtime_use_gmt = yes)."""
EPOCH = int(T0.replace(tzinfo=UTC).timestamp())
_names = itertools.count(1)
INSERT = (
    "INSERT INTO queue_log (time, callid, queuename, agent, event, data1, data2, data3, "
    "data4, data5) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)


@dataclass(frozen=True)
class Table:
    """A fresh database holding an empty contrib queue_log table, and a connection to it."""

    dsn: str
    connection: asyncpg.Connection

    async def execute(self, query: str, *args: object) -> None:
        """Run ``query`` on the table's database."""
        await self.connection.execute(query, *args)


@pytest.fixture
async def table(postgres: PostgresServer) -> AsyncIterator[Table]:
    """An empty contrib queue_log table in a database of this test's own."""
    name = f"asterisk_rt_{next(_names)}"
    postgres.create_database(name)
    dsn = postgres.dsn_for(name)
    await create_contrib_table(dsn)
    connection = await asyncpg.connect(dsn)
    yield Table(dsn, connection)
    await connection.close()


@contextlib.asynccontextmanager
async def source_of(
    table: Table, crm: Crm, zone: str = "UTC"
) -> AsyncIterator[QueueLogTableSource]:
    """A reader of ``table`` into ``crm``'s store (its connection closed at the end)."""

    async def connect() -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(table.dsn)
        return connection

    source = QueueLogTableSource(connect=connect, table="queue_log", server=SERVER,
                                 store=crm.queue_log, zone=ZoneInfo(zone))  # fmt: skip
    try:
        yield source
    finally:
        await source.stop()


async def read_once(table: Table, crm: Crm, zone: str = "UTC") -> Step:
    """One read of ``table`` by a reader of its own."""
    async with source_of(table, crm, zone) as source:
        return await source.read()


async def stored_texts(crm: Crm) -> list[tuple[float, str, str, str, str, str]]:
    """The stored lines of the server: time, call, queue, agent, event, data."""
    rows = await crm.queue_log.lines(since=0, until=10**10, server=SERVER)
    return [(r.time, r.call_id, r.queue, r.agent, r.event, r.data) for r in rows]


async def insert_call(table: Table, call: str, second: int = 0) -> None:
    """An answered call as Asterisk writes it with data1..data5."""
    at = T0.replace(second=second)
    rows = [
        (at, call, "hotline", "NONE", "ENTERQUEUE", "", "13900000001", "1", "", ""),
        (at, call, "hotline", "Agent1", "CONNECT", "4", f"{call}.2", "3", "", ""),
        (at, call, "hotline", "Agent1", "COMPLETECALLER", "4", "60", "1", "", ""),
    ]
    await table.connection.executemany(INSERT, rows)


async def test_rows_become_the_lines_asterisk_writes_to_its_file(
    table: Table, any_crm: Crm
) -> None:
    await insert_call(table, "1700000000.1")
    step = await read_once(table, any_crm)
    assert (step.stored, step.malformed) == (3, 0)
    assert await stored_texts(any_crm) == [
        (EPOCH, "1700000000.1", "hotline", "NONE", "ENTERQUEUE", "|13900000001|1"),
        (EPOCH, "1700000000.1", "hotline", "Agent1", "CONNECT", "4|1700000000.1.2|3"),
        (EPOCH, "1700000000.1", "hotline", "Agent1", "COMPLETECALLER", "4|60|1"),
    ]
    file_line = parse_line(f"{EPOCH}|1700000000.1|hotline|Agent1|CONNECT|4|1700000000.1.2|3")
    rows = await any_crm.queue_log.lines(since=0, until=10**10, server=SERVER)
    assert read_back(rows[1]) == file_line
    (stint,) = StintBook().feed_all([read_back(row) for row in rows]).stints
    assert (stint.outcome, stint.wait, stint.talk) == (Outcome.ANSWERED, 4, 60)


async def test_local_times_are_read_in_the_zone_the_settings_name(
    table: Table, any_crm: Crm
) -> None:
    shanghai = T0.replace(hour=9)  # what Asterisk writes without queue_log_realtime_use_gmt
    await table.execute(INSERT, shanghai, "1.1", "hotline", "NONE", "ENTERQUEUE",
                        "", "139", "1", "", "")  # fmt: skip
    await read_once(table, any_crm, zone="Asia/Shanghai")
    ((time, *_rest),) = await stored_texts(any_crm)
    assert time == EPOCH


async def test_a_malformed_row_is_logged_and_left_out(
    table: Table, any_crm: Crm, caplog: pytest.LogCaptureFixture
) -> None:
    await insert_call(table, "1.1")
    bad = [
        (None, "2.2", "hotline", "NONE", "ENTERQUEUE", "", "139", "1", "", ""),
        (T0, "3|3", "hotline", "NONE", "ENTERQUEUE", "", "139", "1", "", ""),
        (T0, "4.4", "hotline", "NONE", "not a verb", "", "", "", "", ""),
        (T0, None, "hotline", "NONE", "ENTERQUEUE", "", "139", "1", "", ""),
    ]
    await table.connection.executemany(INSERT, bad)
    await insert_call(table, "5.5", second=1)
    with caplog.at_level(logging.WARNING, logger="cti.statistics.table"):
        step = await read_once(table, any_crm)
    assert (step.stored, step.malformed) == (6, 4)
    assert {call for _t, call, *_ in await stored_texts(any_crm)} == {"1.1", "5.5"}
    for row_id in (4, 5, 6, 7):
        assert f"row {row_id} left out" in caplog.text
    assert "time is empty" in caplog.text and "'|' inside the callid" in caplog.text
    position = await any_crm.queue_log.position(SERVER, "table:queue_log")
    assert position is not None
    assert position.offset == 10


async def test_a_restart_resumes_after_the_last_id_with_no_line_twice(
    table: Table, any_crm: Crm
) -> None:
    await insert_call(table, "1.1")
    first = await read_once(table, any_crm)
    await insert_call(table, "2.2", second=1)
    seen: list[object] = []
    async with source_of(table, any_crm) as again:
        again.on_lines = seen.extend
        step = await again.read()
        assert (await again.read()).stored == 0
    assert (first.stored, step.stored, step.already_stored) == (3, 3, 3)
    assert len(seen) == 3  # today's figures are told the new lines only
    assert len(await stored_texts(any_crm)) == 6


async def test_a_reader_stopped_between_batches_is_resumed_with_every_row_once(
    table: Table, any_crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cti.statistics.table.BATCH", 2)  # nine rows: five transactions
    for call in ("1.1", "2.2", "3.3"):
        await insert_call(table, call)
    first_batch = asyncio.Event()
    async with source_of(table, any_crm) as first:
        first.on_lines = lambda _lines: first_batch.set()
        await first.start()
        await first_batch.wait()
    before = len(await stored_texts(any_crm))
    async with source_of(table, any_crm) as second:
        step = await second.read()
    assert 2 <= before < 9
    assert step.stored == 9 - before
    assert len(await stored_texts(any_crm)) == 9


async def test_a_row_committed_after_a_later_id_was_read_is_stored_once(
    table: Table, any_crm: Crm
) -> None:
    late_id = await table.connection.fetchval(
        "SELECT nextval('queue_log_id_seq')"
    )  # a writer's id…
    await insert_call(table, "1.1")
    async with source_of(table, any_crm) as source:
        await source.read()
        await late_row(table, late_id)
        position = await source.store.position(SERVER, "table:queue_log")
        assert position is not None
        assert late_id > position.offset - REREAD_IDS
        step = await source.read()
    assert (step.stored, step.already_stored) == (1, 0)
    assert sorted(c for _t, c, *_ in await stored_texts(any_crm)) == ["1.1"] * 3 + ["9.9"]


async def late_row(table: Table, late_id: int) -> None:
    """The late writer's row, committed now under the id it took before."""
    await table.execute(
        "INSERT INTO queue_log (id, time, callid, queuename, agent, event, data1, data2,"
        " data3) VALUES ($1, $2, '9.9', 'hotline', 'NONE', 'ENTERQUEUE', '', '139', '1')",
        late_id, T0,
    )  # fmt: skip


async def test_a_table_with_one_data_column_is_read_whole(table: Table, any_crm: Crm) -> None:
    await table.execute("ALTER TABLE queue_log DROP COLUMN data1, DROP COLUMN data2, "
                        "DROP COLUMN data3, DROP COLUMN data4, DROP COLUMN data5, "
                        "ADD COLUMN data VARCHAR(4000)")  # fmt: skip
    await table.execute(
        "INSERT INTO queue_log (time, callid, queuename, agent, event, data) "
        "VALUES ($1, '1.1', 'hotline', 'NONE', 'ENTERQUEUE', '|139|1|')",
        T0,
    )
    await read_once(table, any_crm)
    assert [data for *_, data in await stored_texts(any_crm)] == ["|139|1|"]


async def test_a_table_without_the_queue_log_columns_is_refused(table: Table, any_crm: Crm) -> None:
    await table.execute("ALTER TABLE queue_log DROP COLUMN data5")
    with pytest.raises(TableError, match=r"neither data nor data1\.\.data5"):
        await read_once(table, any_crm)


def test_the_settings_read_a_file_or_a_table_not_both() -> None:
    url = "postgresql://asterisk@db:5432/asterisk"
    with pytest.raises(ValidationError, match="read the file or the table"):
        StatsSettings(queue_log="/var/log/asterisk/queue_log", queue_log_table_url=url)
    for with_password in ("postgresql://asterisk:pw@db/asterisk", f"{url}?password=pw"):
        with pytest.raises(ValidationError, match="queue_log_table_url: no password in it"):
            StatsSettings(queue_log_table_url=with_password)
    with pytest.raises(ValidationError, match="queue_log_table_url"):
        StatsSettings(queue_log_table_url="mysql://asterisk@db/asterisk")
    with pytest.raises(ValidationError, match="queue_log_table\n"):
        StatsSettings(queue_log_table="queue_log; drop table x")
    with pytest.raises(ValidationError, match="unknown time zone"):
        StatsSettings(queue_log_table_timezone="Mars/Olympus")
    settings = StatsSettings(queue_log_table_url=url, queue_log_table_password=SecretStr("pw"))
    assert "pw" not in repr(settings)
