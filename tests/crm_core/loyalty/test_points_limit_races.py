"""An agent's parallel requests cannot together pass the daily limit: the day's total is
added up under a lock of the agent's staff row, in the posting's transaction."""

from __future__ import annotations

import asyncio
from collections import Counter

from crm_core.loyalty.approvals import ChangeRequest
from crm_core.loyalty.limits import OperationLimit, PointsLimits
from crm_core.loyalty.models import Operation
from crm_core.wiring import Crm


async def test_parallel_grants_of_one_agent_stop_at_the_daily_limit(any_crm: Crm) -> None:
    any_crm.approvals.limits = PointsLimits(grant=OperationLimit(per_operation=60, per_day=150))
    await any_crm.users.add({"login": "agent7", "display_name": "Agent 7", "role": "agent"})
    members = [
        (await any_crm.members.create({"name": f"M{n}", "phones": [f"1381234560{n}"]}, actor="t"))
        for n in range(5)
    ]
    changes = [
        ChangeRequest(
            member_number=member.number,
            operation=Operation.GIFT,
            points=60,
            operator="agent7",
            idempotency_key=f"gift-{n:04d}",
            reason="apology",
        )
        for n, member in enumerate(members)
    ]
    outcomes = await asyncio.gather(
        *(any_crm.approvals.request(change, limited=True) for change in changes)
    )
    posted = sum(1 for outcome in outcomes if outcome.posting is not None)
    waiting = Counter(outcome.approval.needs for outcome in outcomes if outcome.approval)
    assert (posted, waiting) == (2, {"over-daily-limit": 3})
    assert len(await any_crm.approvals.pending()) == 3
