"""The stored queue_log: a line is stored once per server however often it is read, a
batch is stored whole or not at all, and lines come back in the order they were written."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInputError
from crm_core.queue_log.services import CHUNK, LogLine
from crm_core.wiring import Crm


def line(at: float, call: str, event: str = "ENTERQUEUE", data: str = "") -> LogLine:
    text = f"{at:g}|{call}|hotline|NONE|{event}|{data}"
    return LogLine(at, call, "hotline", "NONE", event, data, text)


async def test_a_line_read_twice_is_stored_once_per_server(any_crm: Crm) -> None:
    first = [line(100, "1.1"), line(101, "1.2")]
    assert (await any_crm.queue_log.add("pbx1", first)).added == 2
    again = await any_crm.queue_log.add("pbx1", [*first, line(102, "1.3")])
    assert (again.added, again.already_stored) == (1, 2)
    other = await any_crm.queue_log.add("pbx2", first)  # another server's identical lines
    assert other.added == 2
    assert await any_crm.queue_log.servers() == ["pbx1", "pbx2"]


async def test_lines_come_back_in_written_order_within_the_window(any_crm: Crm) -> None:
    lines = [line(100, "1.1"), line(100, "1.1", "CONNECT", "3|x|1"), line(200, "2.1")]
    await any_crm.queue_log.add("pbx1", lines)
    got = await any_crm.queue_log.lines(since=100, until=200, server="pbx1")
    assert [(g.time, g.event, g.data) for g in got] == [
        (100, "ENTERQUEUE", ""), (100, "CONNECT", "3|x|1"),
    ]  # fmt: skip


async def test_a_batch_that_fails_stores_nothing(any_crm: Crm) -> None:
    def lines() -> object:
        yield from (line(1000 + n, f"9.{n}") for n in range(CHUNK + 10))
        raise OSError("the disk went away mid-file")

    with pytest.raises(OSError):
        await any_crm.queue_log.add("pbx1", lines())  # type: ignore[arg-type]
    assert await any_crm.queue_log.lines(since=0, until=10**10) == []


@pytest.mark.parametrize("server", ["", " pbx", "pbx\n1", "x" * 65])
async def test_a_bad_server_name_is_refused(any_crm: Crm, server: str) -> None:
    with pytest.raises(InvalidInputError, match="server"):
        await any_crm.queue_log.add(server, [line(1, "1.1")])
