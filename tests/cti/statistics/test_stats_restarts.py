"""A service restart mid-shift loses no stint and counts none twice: the second process
resumes reading at the byte the first one stored, follows a rotation that happened while
it was down, and its live figures today equal the report of the stored lines."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cti.kpi import Interval, QueueRules
from cti.service import CtiService
from cti.settings import StatsSettings
from cti.statistics.reports import Window, queue_report
from tests.support.fake_ami import eventually
from tests.support.offline import offline_service

AT = int(time.time()) - 600  # ten minutes ago: today (unless just after midnight)


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)


async def read_once(service: CtiService) -> None:
    tailer = service.statistics.tailer
    assert tailer is not None
    await eventually(lambda: tailer.steps > 0, within=10)


async def test_a_restart_and_a_rotation_while_down_lose_no_stint_and_count_none_twice(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(
        path,
        f"{AT}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{AT + 5}|1|hotline|王芳|CONNECT|5|x|1",
        f"{AT + 10}|2|hotline|NONE|ENTERQUEUE||13800000002|1",
    )
    stats = StatsSettings(queue_log=str(path), server="pbx1", poll_seconds=0.1)
    async with offline_service(sqlite_url, stats) as first:
        await read_once(first)
        figures = first.statistics.today.figures("hotline")
        assert (figures.offered, figures.answered, figures.waiting) == (2, 1, 1)

    # While the service is down: the calls go on, and the log is rotated.
    append(path, f"{AT + 65}|1|hotline|王芳|COMPLETECALLER|5|60|1",
           f"{AT + 40}|2|hotline|NONE|ABANDON|1|1|30")  # fmt: skip
    path.rename(tmp_path / "queue_log.1")
    append(path, f"{AT + 100}|3|hotline|NONE|ENTERQUEUE||13800000003|1",
           f"{AT + 103}|3|hotline|NONE|EXITWITHTIMEOUT|1|1|3")  # fmt: skip

    async with offline_service(sqlite_url, stats) as second:
        await read_once(second)
        live = second.statistics.today.figures("hotline")
        rows = await second.crm.queue_log.lines(since=0, until=10**10)
        zone = ZoneInfo(second.settings.ivr.timezone)
        day = datetime.fromtimestamp(second.statistics.today.day_start, zone).date()
        report = await queue_report(second.crm, Window(day, day, zone), Interval.DAY,
                                    lambda _queue: QueueRules())  # fmt: skip
    assert len(rows) == 7  # every line stored once
    assert (live.offered, live.answered, live.abandoned, live.timed_out, live.waiting) == (
        3, 1, 1, 1, 0,
    )  # fmt: skip
    assert (live.talk_s, live.max_wait_s) == (60, 30)  # the call answered before the restart
    (row,) = report.rows
    assert (row.offered, row.answered, row.abandoned, row.timed_out, row.talk_s) == (
        live.offered, live.answered, live.abandoned, live.timed_out, live.talk_s,
    )  # fmt: skip
