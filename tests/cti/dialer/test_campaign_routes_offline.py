"""Campaign routes without Asterisk: who may do what, and every bad input is a 400 naming
its field with nothing stored; a do-not-call is written at once and checked at the claim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cti.service import CtiService
from tests.support.offline import offline_service, post_as
from tests.support.telephony import PASSWORD

ALL_WEEK = {day: [["09:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
GOOD: dict[str, Any] = {
    "name": "spring", "mode": "progressive", "queue": "hotline", "time_zone": "Asia/Shanghai",
    "windows": ALL_WEEK, "caller_id": "4008001234",
}  # fmt: skip


@pytest.fixture
async def offline(sqlite_url: str) -> AsyncIterator[CtiService]:
    async with offline_service(sqlite_url) as service:
        for login, role in (("agent1", "agent"), ("boss", "supervisor")):
            await service.crm.users.add(
                {"login": login, "display_name": login, "role": role}, password=PASSWORD
            )
        yield service


async def test_a_supervisor_defines_starts_and_lists_a_campaign(offline: CtiService) -> None:
    status, created = await post_as(offline, "boss", "/api/campaigns", GOOD)
    assert (status, created["status"], created["created_by"]) == (200, "draft", "boss")
    status, started = await post_as(
        offline, "boss", f"/api/campaigns/{created['id']}/status", {"action": "start"}
    )
    assert (status, started["status"]) == (200, "running")
    status, report = await post_as(
        offline, "boss", f"/api/campaigns/{created['id']}/leads",
        data="phone,name\n13800138000,李娜\n12345,bad\n13800138000,again\n".encode(),
    )  # fmt: skip
    assert status == 200, report
    assert report["accepted"] == 1
    assert [(r["line_no"], r["reason"]) for r in report["refused"]] == [
        (3, "bad-number"), (4, "duplicate"),
    ]  # fmt: skip


async def test_an_agent_may_not_define_or_start_campaigns(offline: CtiService) -> None:
    status, error = await post_as(offline, "agent1", "/api/campaigns", GOOD)
    assert (status, error["error_id"]) == (403, "forbidden")
    assert await offline.crm.campaigns.list() == []


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"windows": {"mon": [["21:00", "09:00"]]}}, 400, "windows.mon[0]"),
        ({"abandon_target": 0.05}, 400, "abandon_target"),
        ({"dispositions": ["NOPE"]}, 400, "dispositions[0]"),
        ({"max_attempts": "5"}, 400, "max_attempts"),  # a number sent as a string
        ({"name": "spring\r\nX"}, 400, "name"),
        ({"mode": "blaster"}, 400, "mode"),
        ({"message": "hello-world,Hangup"}, 400, "message"),
        ({"survey": "../etc"}, 400, "survey"),
        ({"survey": "no-such-survey", "mode": "ivr_message", "message": "beep"}, 400, "survey"),
        ({"survey": "phone-service-evaluation"}, 400, "survey"),  # not an IVR message campaign
    ],
)
async def test_a_bad_definition_is_a_400_naming_the_field_and_nothing_is_stored(
    offline: CtiService, changes: dict[str, Any], status: int, field: str
) -> None:
    got, error = await post_as(offline, "boss", "/api/campaigns", {**GOOD, **changes})
    assert got == status, error
    named = [problem["field"] for problem in error["details"].get("fields", [])]
    assert field in named or error["details"].get("field") == field, error
    assert await offline.crm.campaigns.list() == []


async def test_a_list_that_is_not_utf8_is_read_as_gb18030_and_said_so(
    offline: CtiService,
) -> None:
    _, created = await post_as(offline, "boss", "/api/campaigns", GOOD)
    data = "phone,name\n13800138000,李娜\n".encode("gb18030")
    status, report = await post_as(
        offline, "boss", f"/api/campaigns/{created['id']}/leads", data=data
    )
    assert (status, report["accepted"], report["encoding"]) == (200, 1, "gb18030")


async def test_a_list_with_no_valid_row_is_refused_whole(offline: CtiService) -> None:
    _, created = await post_as(offline, "boss", "/api/campaigns", GOOD)
    status, error = await post_as(
        offline, "boss", f"/api/campaigns/{created['id']}/leads", data=b"phone\n12\n"
    )
    assert (status, error["error_id"]) == (400, "invalid-lead-list")


async def test_an_agents_do_not_call_is_written_at_once(offline: CtiService) -> None:
    status, entry = await post_as(
        offline, "agent1", "/api/do-not-call", {"phone": "13800138000", "reason": "asked"}
    )
    assert (status, entry["phone"], entry["created_by"]) == (200, "+8613800138000", "agent1")
    assert entry["campaign_id"] is None and entry["expires_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "13800138000\r\n", "reason": "asked"}, "phone"),
        ({"phone": "13800138000", "reason": "a\nb"}, "reason"),
        ({"phone": 13800138000, "reason": "asked"}, "phone"),  # a number, not text
        ({"phone": "13800138000", "reason": "asked", "expires_in_days": "3"}, "expires_in_days"),
        ({"phone": "13800138000"}, "reason"),
    ],
)
async def test_a_bad_do_not_call_is_a_400_naming_the_field(
    offline: CtiService, body: dict[str, Any], field: str
) -> None:
    status, error = await post_as(offline, "agent1", "/api/do-not-call", body)
    assert (status, error["error_id"]) == (400, "invalid-body"), error
    assert [problem["field"] for problem in error["details"]["fields"]] == [field]
