"""The supervisor audit trail on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm
from tests.conftest import Clock


async def test_entries_are_kept_newest_first_and_found_by_call_or_supervisor(
    any_crm: Crm, clock: Clock
) -> None:
    audit = any_crm.supervisor_audit
    await audit.record(supervisor="boss", action="spy-listen", outcome="done", call_id="1.1")
    clock.advance(seconds=30)
    await audit.record(supervisor="boss", action="release", outcome="done", call_id="1.1")
    clock.advance(seconds=30)
    await audit.record(supervisor="lead", action="pause", outcome="refused", agent="agent7",
                       detail="x" * 900)  # fmt: skip
    everything = await audit.entries()
    assert [e.action for e in everything] == ["pause", "release", "spy-listen"]
    assert everything[0].detail is not None and len(everything[0].detail) == 500
    assert everything[0].at == clock()
    assert [e.action for e in await audit.entries(call_id="1.1")] == ["release", "spy-listen"]
    assert [e.supervisor for e in await audit.entries(supervisor="lead")] == ["lead"]
    assert len(await audit.entries(limit=1)) == 1
    with pytest.raises(InvalidInputError):
        await audit.record(supervisor="boss", action="spy", outcome="maybe")
