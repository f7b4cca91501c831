"""The caller directory's own connections: never leaked, even when a lookup is cancelled
while the directory is still opening them (a request cut off as the service stops)."""

from __future__ import annotations

import asyncio
import contextlib
import gc

import pytest

from crm_core.wiring import build_crm
from tests.conftest import Clock


@pytest.mark.parametrize("after", [0.0, 0.0005, 0.001, 0.002, 0.004, 0.008])
async def test_a_lookup_cancelled_while_the_connection_opens_leaks_nothing(
    any_url: str, clock: Clock, after: float
) -> None:
    crm = build_crm(database_url=any_url, clock=clock)
    lookup = asyncio.create_task(crm.directory.lookup("13812345678"))
    await asyncio.sleep(after)  # cut the lookup off in a different phase of the opening
    lookup.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await lookup
    await crm.close()
    gc.collect()  # a leaked connection warns here (ResourceWarning → error)
    again = build_crm(database_url=any_url, clock=clock)
    try:
        assert await again.directory.lookup("13812345678") == []
    finally:
        await again.close()
