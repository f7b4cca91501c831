"""Points amounts are JSON integers: a string, a boolean or a fraction is a 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from crm_core.wiring import Crm
from tests.support.api import error_of
from tests.support.points_api import points_desk

NOT_INTEGERS = ["100", True, 100.0]


@pytest.mark.parametrize("points", NOT_INTEGERS, ids=repr)
@pytest.mark.parametrize(
    ("action", "fields"),
    [("grant", {"reason": "apology"}), ("redeem", {"item": "travel mug"})],
)
async def test_points_that_are_not_a_json_integer_are_a_400(
    any_crm: Crm, action: str, fields: dict[str, str], points: Any
) -> None:
    async with points_desk(any_crm) as desk:
        body = {"points": points, "idempotency_key": "strict-0001", **fields}
        problem = await error_of(await desk.post(desk.path(action), desk.agent, body), 400)
        ledger = await desk.api.get(f"/api/members/{desk.member}/ledger", headers=desk.agent)
        lines = (await ledger.json())["lines"]
    assert problem["error_id"] == "invalid-body"
    assert problem["message"].startswith("points:")
    assert len(lines) == 1, "nothing was posted"
