"""Reconciled call records (made from queue_log for calls that ended while the service
was down): written once, never over a record or a parked one, replaced by a live write."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_core.calls.services import CallLogService
from crm_core.wiring import Crm
from tests.conftest import START, Clock
from tests.crm_core.test_call_log import add_user, stages


@pytest.fixture
def calls(any_crm: Crm, clock: Clock) -> CallLogService:
    """The call-log service over the test's database and clock."""
    return CallLogService(db=any_crm.db, clock=clock, default_region="CN")


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def from_queue_log(linked_id: str) -> dict[str, Any]:
    """What the statistics know of an answered call from its queue_log lines."""
    return {
        "linked_id": linked_id, "direction": "inbound", "caller": "013812345678",
        "queue": "sales", "started_at": at(5), "queued_at": at(5), "answered_at": at(24),
        "ended_at": at(204), "wait_seconds": 19, "talk_seconds": 180,
    }  # fmt: skip


async def test_a_reconciled_record_is_written_once_and_marked(calls: CallLogService) -> None:
    record = await calls.reconcile(from_queue_log("1772442000.17"))
    assert record is not None and record.reconciled
    assert (record.queue, record.wait_seconds, record.talk_seconds) == ("sales", 19, 180)
    assert await calls.reconcile(from_queue_log("1772442000.17")) is None  # a restart again
    assert await calls.get("1772442000.17") == record
    page = await calls.search({})
    assert [(c.linked_id, c.reconciled) for c in page.calls] == [("1772442000.17", True)]


async def test_a_recorded_or_parked_call_is_not_reconciled(
    any_crm: Crm, calls: CallLogService
) -> None:
    await add_user(any_crm, "agent7")
    live = await calls.record(stages("1772442000.17")[2])
    assert await calls.reconcile(from_queue_log("1772442000.17")) is None
    assert await calls.get("1772442000.17") == live and not live.reconciled
    await calls.park(stages("1772442000.18")[2], "unknown-agent: no agent agent7")
    assert await calls.reconcile(from_queue_log("1772442000.18")) is None
    assert [c.linked_id for c in (await calls.search({})).calls] == ["1772442000.17"]


async def test_a_live_write_replaces_a_reconciled_record(
    any_crm: Crm, calls: CallLogService
) -> None:
    await add_user(any_crm, "agent7")
    await calls.reconcile(from_queue_log("1772442000.17"))
    live = await calls.record(stages("1772442000.17")[2])  # started earlier: no conflict
    assert not live.reconciled
    assert (live.started_at, live.agent_login, live.talk_seconds) == (at(0), "agent7", 170)
    assert await calls.get("1772442000.17") == live
    assert len((await calls.search({})).calls) == 1
