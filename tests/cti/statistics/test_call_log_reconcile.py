"""Calls that ended while the service was down get their call records at its next start,
made from queue_log and marked reconciled: exactly once however often it restarts, none
for a call still going on, none over a record the service wrote live."""

from __future__ import annotations

import time
from pathlib import Path

from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.offline import offline_service

AT = int(time.time()) - 600


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)


async def reconciled(service: CtiService) -> int:
    """Wait for this start's reconciling; the records it made."""
    reconciler = service.statistics.reconciler
    assert reconciler is not None
    await reconciler.done.wait()
    return reconciler.reconciled


async def test_calls_that_ended_while_down_are_recorded_once_across_restarts(
    any_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    append(path, f"{AT}|1.1|hotline|NONE|ENTERQUEUE||13800000001|1",
           f"{AT + 5}|1.1|hotline|PJSIP/6001|CONNECT|5|x|1")  # fmt: skip
    stats = StatsSettings(queue_log=str(path), server="pbx1", poll_seconds=0.1)
    async with offline_service(any_url, stats) as first:
        assert await reconciled(first) == 0  # never read before: nothing was missed
        tailer = first.statistics.tailer
        assert tailer is not None
        await tailer.caught_up.wait()
        await first.crm.calls.record(
            {"linked_id": "0.9", "direction": "inbound", "caller": "13800000009",
             "started_at": "2026-12-07T00:00:00+00:00", "ended_at": "2026-12-07T00:01:00+00:00"}
        )  # fmt: skip

    # While the service is down: call 1 ends, call 2 abandons after moving queues, call 3
    # waits on, and call 0.9 (recorded live before) has a late line.
    append(
        path,
        f"{AT + 65}|1.1|hotline|PJSIP/6001|COMPLETECALLER|5|60|1",
        f"{AT + 70}|2.2|hotline|NONE|ENTERQUEUE||13800000002|1",
        f"{AT + 80}|2.2|hotline|NONE|EXITWITHTIMEOUT|1|1|10",
        f"{AT + 81}|2.2|vip|NONE|ENTERQUEUE||13800000002|1",
        f"{AT + 91}|2.2|vip|NONE|ABANDON|1|1|10",
        f"{AT + 95}|3.3|hotline|NONE|ENTERQUEUE||13800000003|1",
        f"{AT + 96}|0.9|hotline|NONE|ABANDON|1|1|3",
    )
    async with offline_service(any_url, stats) as second:
        assert await reconciled(second) == 2
        page = await second.crm.calls.search({})
        by_id = {call.linked_id: call for call in page.calls}
    assert sorted(by_id) == ["0.9", "1.1", "2.2"]
    assert not by_id["0.9"].reconciled  # written live: left as it was
    answered, abandoned = by_id["1.1"], by_id["2.2"]
    assert answered.reconciled and abandoned.reconciled
    assert (answered.queue, answered.caller, answered.wait_seconds, answered.talk_seconds) == (
        "hotline", "13800000001", 5, 60,
    )  # fmt: skip
    assert answered.answered_at is not None and not answered.abandoned
    assert answered.ended_at is not None and answered.ended_at.timestamp() == AT + 65
    assert (abandoned.queue, abandoned.wait_seconds, abandoned.abandoned) == ("vip", 20, True)

    append(path, f"{AT + 130}|3.3|hotline|NONE|ABANDON|1|1|35")
    async with offline_service(any_url, stats) as third:
        assert await reconciled(third) == 1  # call 3 ended while down this time
        records = (await third.crm.calls.search({})).calls
    assert sorted(call.linked_id for call in records) == ["0.9", "1.1", "2.2", "3.3"]
    async with offline_service(any_url, stats) as fourth:
        assert await reconciled(fourth) == 0
        assert len((await fourth.crm.calls.search({})).calls) == 4
