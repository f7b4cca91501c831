"""PIN checks run in parallel (several calls guessing at once) cannot get more wrong
guesses checked than ``max_attempts`` before the lock-out lands: the check and the
failed-attempt record are one transaction holding the guards' rows."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from crm_core.selfservice.models import PinAttempt
from crm_core.selfservice.schemas import PinOutcome, PinPolicy
from crm_core.wiring import Crm

POLICY = PinPolicy(max_attempts=3, lockout=timedelta(minutes=10))
PHONE = "13812345678"
GUESSES = 10


async def test_parallel_wrong_pins_are_checked_at_most_max_attempts_times(any_crm: Crm) -> None:
    member = await any_crm.members.create({"name": "李娜", "phones": [PHONE]}, actor="t")
    await any_crm.selfservice.set_pin(member.number, "2580", actor="t")
    checks = await asyncio.gather(
        *(
            any_crm.selfservice.check_pin(
                member.number, f"{9000 + guess}", caller=f"1390000{guess:04d}", policy=POLICY
            )
            for guess in range(GUESSES)
        )
    )
    outcomes = Counter(check.outcome for check in checks)
    assert outcomes == {
        PinOutcome.WRONG: POLICY.max_attempts - 1,
        PinOutcome.LOCKED_OUT: 1,
        PinOutcome.LOCKED: GUESSES - POLICY.max_attempts,
    }
    async with any_crm.db.read() as session:
        logged = Counter((await session.scalars(select(PinAttempt.outcome))).all())
    assert logged == {"wrong": 2, "locked_out": 1, "locked": GUESSES - POLICY.max_attempts}
    right = await any_crm.selfservice.check_pin(member.number, "2580", caller=PHONE, policy=POLICY)
    assert right.outcome is PinOutcome.LOCKED, "the member stays locked out, even with the PIN"
