"""The migration that counts the stored totals per wait bucket fills them from the stints
already stored, exactly as the totals kept afterwards count them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import create_engine
from crm_core.db.metadata import metadata
from crm_core.db.migrate import upgrade
from crm_core.queue_log import totals
from crm_core.queue_log.models import QueueSlotTotal
from crm_core.wiring import build_crm
from tests.conftest import Clock

SLOT = 1_980_000
WAITS = {"answered": (0, 10, 11, 45, 45, 301), "abandoned": (3, 130), "timed_out": (60,)}


def _stint(
    n: int, outcome: str | None, wait: int | None, blocked: str | None = None
) -> dict[str, Any]:
    return {
        "server": "", "call_id": f"c{n}", "queue": "hotline", "entered_at": SLOT * 900.0 + n,
        "slot": SLOT, "outcome": outcome, "blocked": blocked, "wait": wait,
        "talk": 30 if outcome == "answered" else None, "wrapup": 0, "agent": None,
        "transferred": False, "inferred": False,
    }  # fmt: skip


def _counts(session: Session) -> dict[str, tuple[int, ...]]:
    """Each row's counts per wait bucket, by outcome (or blocking reason)."""
    t = QueueSlotTotal
    columns = [getattr(t, name) for name in totals.WAIT_COLUMNS]
    rows = session.execute(select(t.outcome, t.blocked, *columns).where(t.slot == SLOT)).all()
    return {outcome or blocked or "waiting": tuple(counts) for outcome, blocked, *counts in rows}


async def test_the_migration_counts_the_stored_stints_per_wait_bucket(
    empty_url: str, clock: Clock
) -> None:
    await upgrade(empty_url, "0018_node_leases")  # stints stored, no totals yet
    stints = [(outcome, wait) for outcome, waits in WAITS.items() for wait in waits]
    rows = [_stint(n, outcome, wait) for n, (outcome, wait) in enumerate(stints)]
    rows += [_stint(90, None, 5), _stint(91, None, None, blocked="full")]
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(metadata.tables["queue_stints"].insert(), rows)
    finally:
        await engine.dispose()

    await upgrade(empty_url)  # 0019 sums the totals, 0021 counts their waits
    crm = build_crm(database_url=empty_url, clock=clock)
    try:
        async with crm.db.read() as session:
            migrated = await session.run_sync(_counts)

        def summed_again(session: Session) -> dict[str, tuple[int, ...]]:
            """The counts as the totals kept from now on sum them."""
            totals.refresh(session, [SLOT])
            return _counts(session)

        kept = await crm.db.run_write(summed_again)
    finally:
        await crm.close()
    #                   0-10 11-20 21-30 31-60 61-120 121-300 301+
    assert migrated == {
        "answered":  (2,   1,    0,    2,    0,     0,      1),
        "abandoned": (1,   0,    0,    0,    0,     1,      0),
        "timed_out": (0,   0,    0,    1,    0,     0,      0),
        "waiting":   (1,   0,    0,    0,    0,     0,      0),
        "full":      (0,   0,    0,    0,    0,     0,      0),
    }  # fmt: skip
    assert kept == migrated
