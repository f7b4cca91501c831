"""A long shift holds no more in memory than a short one: 20,000 synthetic calls through the
model and the call log (with its CRM on SQLite) leave the per-call tables bounded.

The calls are the recorded queue call of ``queue_call_answered.txt``, each given its own
ids, channel names and times; no Asterisk is needed. Memory is measured with tracemalloc
between call 10,000 and call 20,000, traced from call 4,000: by call 10,000 every bounded
table (the largest keeps 5,000 entries) has turned over since tracing began, so its
turnover cancels out; the first 4,000 calls run untraced, at a fifth of the cost. The
tables that grow with calls are checked against their bounds (figures, not timings).
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace

from crm_core.wiring import Crm
from cti.ami import AmiMessage, read_recording
from cti.bus.directory import CACHED_INTERFACES, AgentDirectory
from cti.call_log.services import KEPT_RECORDS, CallLogWriter
from cti.model import CallCentreModel
from cti.model.records import ENDED_CALLS_REMEMBERED
from cti.screen_pop.lookup import CallerLookup
from tests.support.paths import AMI_FIXTURES

CALLS = 20_000
MEASURED_FROM = 10_000
TRACED_FROM = 4_000
SPACING_S = 200.0
"""Seconds between two synthetic calls (more than a call and its wrap-up last)."""
BATCH = 50
"""Calls that end before the test waits for their records (the writer works meanwhile)."""
ALLOWED_GROWTH = 3 * 1024 * 1024
"""Bytes the traced heap may grow by over the last 10,000 calls (caches settling, not
per-call tables: 10,000 call records kept would take several times this)."""
CHANNEL_SUFFIX = re.compile(r"-0000000(\d)")


def frames(name: str) -> list[AmiMessage]:
    return list(read_recording(AMI_FIXTURES / name))


class SyntheticCalls:
    """The template call, renumbered: call ``n`` gets its own ids, channel names and times."""

    def __init__(self, template: list[AmiMessage]) -> None:
        self._template = [
            [(key, value, key == "Timestamp", "1700000000." in value or "-0000000" in value)
             for key, value in message.headers]
            for message in template
        ]  # fmt: skip

    def call(self, n: int) -> Iterator[tuple[AmiMessage, float]]:
        """The frames of call ``n`` with the time each carries."""
        shift, call_id = n * SPACING_S, f"{1_800_000_000 + n}."
        for headers in self._template:
            at = 0.0
            fields: list[tuple[str, str]] = []
            for key, value, is_time, numbered in headers:
                if is_time:
                    at = float(value) + shift
                    value = f"{at:.6f}"
                elif numbered:
                    value = CHANNEL_SUFFIX.sub(
                        lambda m: f"-{n:07x}{m[1]}", value.replace("1700000000.", call_id)
                    )
                fields.append((key, value))
            yield AmiMessage(tuple(fields)), at


async def test_twenty_thousand_calls_leave_the_per_call_tables_bounded(crm: Crm) -> None:
    # Every bounded table turns over completely between the start of tracing and the
    # first measure, so its turnover does not count as growth.
    assert (
        max(CACHED_INTERFACES, ENDED_CALLS_REMEMBERED, KEPT_RECORDS) <= MEASURED_FROM - TRACED_FROM
    )
    model = CallCentreModel(wrapup_seconds={"support": 30.0})
    model.apply_all((f, float(f["Timestamp"])) for f in frames("members.txt"))
    calls = SyntheticCalls(frames("queue_call_answered.txt"))
    directory = AgentDirectory(users=crm.users)
    writer = CallLogWriter(
        crm=crm, callers=CallerLookup(crm=crm, inbound_media={}), agents=directory
    )
    signed_in = await crm.users.add({"login": "alice", "display_name": "A", "role": "agent"})
    heap_at_start = 0
    try:
        for n in range(CALLS):
            if n == TRACED_FROM:
                tracemalloc.start()
            if n == MEASURED_FROM:
                await writer.wait_until(lambda: not writer.pending)
                heap_at_start = tracemalloc.get_traced_memory()[0]
            for event in model.apply_all(calls.call(n)):
                writer(event)
            model.tick((n + 1) * SPACING_S + 1_700_000_000)
            # A phone signs in on every call: the directory remembers the newest ones only.
            directory.remember(replace(signed_in, interface=f"PJSIP/desk-{n}"))
            if n % BATCH == BATCH - 1:
                await writer.wait_until(lambda: not writer.pending, within=60)
        await writer.wait_until(lambda: not writer.pending, within=60)
        heap_at_end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    growth = heap_at_end - heap_at_start
    print(f"traced heap grew {growth / 1024:.0f} KiB over {CALLS - MEASURED_FROM} calls")
    assert growth < ALLOWED_GROWTH
    assert len(writer.records) == KEPT_RECORDS and writer.pending == {}
    assert len(directory) == CACHED_INTERFACES
    assert len(model._state.ended_calls) == ENDED_CALLS_REMEMBERED
    assert model.snapshot(CALLS * SPACING_S + 1_700_000_000).calls == ()
    page = await crm.calls.search({"limit": 1})
    assert page.calls[0].linked_id == f"{1_800_000_000 + CALLS - 1}.1"
