"""Calls that never got into a queue are written to the queue_log by our dialplan (Asterisk
writes nothing for them): after Queue() returns FULL, JOINEMPTY or JOINUNAVAIL, the
subroutine [ctidesk-queue-exit] writes the line XiVO/Wazo PBXs write; other statuses
(a time-out, which Asterisk logs itself) write nothing. Read back from the sandbox's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.kpi import Blocking, StintBook, parse_line
from tests.support.asterisk import AmiClient, AsteriskServer


def queue_log(asterisk: AsteriskServer) -> Path:
    return asterisk.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"


async def leave_queue_with(asterisk: AsteriskServer, ami: AmiClient, status: str) -> list[str]:
    """A call that leaves hotline with QUEUESTATUS ``status``; the queue_log lines Asterisk
    wrote meanwhile."""
    before = queue_log(asterisk).stat().st_size
    response = await ami.action(
        "Originate", Channel=f"Local/{status}@test-queue-exit/n", Application="Wait",
        Data="1", Async="true",
    )  # fmt: skip
    assert response["Response"] == "Success", response
    entered = await ami.wait_for_event("Newexten", Context="test-queue-exit", Extension=status)
    await ami.wait_for_event("Hangup", Uniqueid=entered["Uniqueid"])
    with queue_log(asterisk).open(encoding="utf-8") as file:
        file.seek(before)
        return [line for line in file.read().splitlines() if "|QUEUESTART|" not in line]


@pytest.mark.parametrize(
    ("status", "reason"),
    [("FULL", Blocking.FULL), ("JOINEMPTY", Blocking.EMPTY), ("JOINUNAVAIL", Blocking.EMPTY)],
)
async def test_a_caller_turned_away_gets_a_blocked_line(
    asterisk: AsteriskServer, ami: AmiClient, status: str, reason: Blocking
) -> None:
    written = await leave_queue_with(asterisk, ami, status)
    book = StintBook().feed_all(parse_line(line) for line in written)
    assert [(b.queue, b.reason) for b in book.blocked] == [("hotline", reason)]
    assert book.stints == []  # blocked, never offered


async def test_a_time_out_writes_no_line_of_ours(asterisk: AsteriskServer, ami: AmiClient) -> None:
    assert await leave_queue_with(asterisk, ami, "TIMEOUT") == []
