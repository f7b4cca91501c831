"""Reading the queue_log file as Asterisk appends to it: whole lines only, resuming at the
stored position after a restart, across a rotation and a truncation, never a line twice
(on SQLite and PostgreSQL: the lines and the position go in one transaction)."""

from __future__ import annotations

from pathlib import Path

from crm_core.wiring import Crm
from cti.statistics.tailer import QueueLogTailer
from tests.support.stats import T0


def line(n: int, event: str = "ENTERQUEUE") -> str:
    return f"{T0 + n}|{n}.1|hotline|NONE|{event}||1380000{n:04d}|1\n"


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


async def stored(crm: Crm) -> list[str]:
    return [row.call_id for row in await crm.queue_log.lines(since=0, until=10**10)]


def tailer(crm: Crm, path: Path) -> QueueLogTailer:
    return QueueLogTailer(path=path, server="pbx1", store=crm.queue_log)


async def test_whole_lines_are_stored_and_a_half_written_one_waits(
    any_crm: Crm, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(path, line(1) + line(2) + line(3)[:20])  # Asterisk is still writing line 3
    step = await tailer(any_crm, path).read()
    assert (step.stored, await stored(any_crm)) == (2, ["1.1", "2.1"])
    append(path, line(3)[20:])
    assert (await tailer(any_crm, path).read()).stored == 1
    assert await stored(any_crm) == ["1.1", "2.1", "3.1"]


async def test_a_restart_resumes_at_the_stored_position(any_crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    append(path, line(1) + line(2))
    await tailer(any_crm, path).read()
    append(path, line(3))
    again = await tailer(any_crm, path).read()  # a new process: only what is new
    assert (again.stored, again.already_stored) == (1, 0)
    position = await any_crm.queue_log.position("pbx1", str(path))
    assert position is not None and position.offset == path.stat().st_size


async def test_a_rotation_reads_the_rest_of_the_old_file_then_the_new_one(
    any_crm: Crm, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(path, line(1))
    await tailer(any_crm, path).read()
    append(path, line(2))  # written before the rotation, not read yet
    path.rename(tmp_path / "queue_log.1")  # logger rotate
    append(path, line(3) + line(4))
    step = await tailer(any_crm, path).read()
    assert (step.stored, step.already_stored) == (3, 0)
    assert await stored(any_crm) == ["1.1", "2.1", "3.1", "4.1"]


async def test_a_truncated_file_is_read_from_the_start_without_doubling(
    any_crm: Crm, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(path, line(1) + line(2) + line(3))
    await tailer(any_crm, path).read()
    path.write_text(line(3) + line(4), encoding="utf-8")  # copytruncate, then more lines
    step = await tailer(any_crm, path).read()
    assert (step.stored, step.already_stored) == (1, 1)
    assert await stored(any_crm) == ["1.1", "2.1", "3.1", "4.1"]


async def test_a_malformed_line_is_left_out_and_reading_goes_on(
    any_crm: Crm, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(path, line(1) + "garbage\n" + line(2))
    step = await tailer(any_crm, path).read()
    assert (step.stored, step.malformed) == (2, 1)


async def test_no_file_yet_is_nothing_to_read(any_crm: Crm, tmp_path: Path) -> None:
    step = await tailer(any_crm, tmp_path / "queue_log").read()
    assert (step.stored, step.malformed) == (0, 0)
