"""Preview routes without Asterisk: every bad input is a 400 naming its field, another
agent's lead is 403, an unknown one 404, an ended one 409, and a dial while Asterisk
cannot be reached is a 503 that leaves the lead open to dial again.

The service's AMI settings point at a loopback port nobody listens on (a real refused
connection, not a mock); the CRM is the service's own, on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cti.service import CtiService
from tests.support.offline import offline_service, post_as
from tests.support.telephony import PASSWORD

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Offline:
    """The service with telephony offline, two agents and a running preview campaign."""

    service: CtiService
    campaign_id: int

    async def post(self, login: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        """POST ``path`` as ``login``; the status and the JSON body."""
        status, answer = await post_as(self.service, login, path, body)
        assert isinstance(answer, dict)
        return status, answer

    async def claim(self, login: str = "agent1") -> str:
        """The attempt id of the next lead ``login`` is given."""
        status, body = await self.post(
            login, "/api/preview/next", {"campaign_id": self.campaign_id}
        )
        assert status == 200, body
        attempt_id: str = body["lead"]["attempt_id"]
        return attempt_id


@pytest.fixture
async def offline(sqlite_url: str) -> AsyncIterator[Offline]:
    async with offline_service(sqlite_url) as service:
        for login, phone in (("agent1", "6001"), ("agent2", "6002")):
            await service.crm.users.add(
                {"login": login, "display_name": login, "role": "agent",
                 "interface": f"Local/{phone}@test-phones/n"},
                password=PASSWORD,
            )  # fmt: skip
        campaign = await service.crm.campaigns.create(
            {"name": "care-calls", "mode": "preview", "time_zone": "UTC", "windows": ALL_WEEK},
            by="boss",
        )
        await service.crm.campaigns.set_status(campaign.id, "start", by="boss")
        rows = "phone\n+8613800020000\n+8613800020010\n"
        await service.crm.campaigns.import_csv(campaign.id, rows.encode(), default_region="CN")
        yield Offline(service, campaign.id)


def fields_of(error: dict[str, Any]) -> list[str]:
    return [problem["field"] for problem in error["details"]["fields"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"campaign_id": "1"}, "campaign_id"),  # a number sent as a string
        ({"campaign_id": 0}, "campaign_id"),
        ({}, "campaign_id"),
        ({"campaign_id": 1, "queue": "hotline"}, "queue"),
    ],
)
async def test_a_bad_next_body_is_a_400_naming_the_field(
    offline: Offline, body: dict[str, Any], field: str
) -> None:
    status, error = await offline.post("agent1", "/api/preview/next", body)
    assert (status, error["error_id"]) == (400, "invalid-body")
    assert fields_of(error) == [field]


async def test_an_unknown_campaign_is_404(offline: Offline) -> None:
    status, error = await offline.post("agent1", "/api/preview/next", {"campaign_id": 999})
    assert (status, error["error_id"]) == (404, "campaign-not-found")


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}, "due_at"),
        ({"due_at": "2030-01-01T10:00:00"}, "due_at"),  # no UTC offset
        ({"due_at": "tomorrow at ten"}, "due_at"),
        ({"due_at": 1893456000}, "due_at"),  # a number, not ISO text
        ({"due_at": in_an_hour(), "note": "call back\r\nInjected: yes"}, "note"),
        ({"due_at": in_an_hour(), "note": "x" * 401}, "note"),
        ({"note": "no time"}, "due_at"),
    ],
)
async def test_a_bad_call_back_is_a_400_naming_the_field_and_nothing_is_scheduled(
    offline: Offline, body: dict[str, Any], field: str
) -> None:
    attempt_id = await offline.claim()
    status, error = await offline.post("agent1", f"/api/preview/{attempt_id}/callback", body)
    assert (status, error["error_id"]) == (400, "invalid-body")
    assert fields_of(error) == [field]
    assert (
        await offline.service.crm.campaigns.due_callbacks(datetime.now(UTC) + timedelta(days=9999))
        == []
    )


@pytest.mark.parametrize("body", [{"reason": "bored"}, {"reason": 1}, {}])
async def test_a_bad_skip_reason_is_a_400_naming_reason(
    offline: Offline, body: dict[str, Any]
) -> None:
    attempt_id = await offline.claim()
    status, error = await offline.post("agent1", f"/api/preview/{attempt_id}/skip", body)
    assert (status, fields_of(error)) == (400, ["reason"])


async def test_another_agents_lead_is_403_and_an_unknown_one_404(offline: Offline) -> None:
    attempt_id = await offline.claim("agent1")
    for action, body in (("dial", None), ("skip", {"reason": "later"}),
                         ("callback", {"due_at": in_an_hour()})):  # fmt: skip
        status, error = await offline.post("agent2", f"/api/preview/{attempt_id}/{action}", body)
        assert (status, error["error_id"]) == (403, "not-your-lead")
    status, error = await offline.post("agent1", f"/api/preview/{'0' * 32}/dial")
    assert (status, error["error_id"]) == (404, "campaign-not-found")


async def test_a_dial_while_asterisk_is_unreachable_is_503_and_the_lead_stays_open(
    offline: Offline,
) -> None:
    attempt_id = await offline.claim()
    status, error = await offline.post("agent1", f"/api/preview/{attempt_id}/dial")
    assert (status, error["error_id"]) == (503, "telephony-unavailable")
    status, error = await offline.post("agent1", f"/api/preview/{attempt_id}/dial")
    assert status == 503, error  # not "being dialled": nothing was sent
    assert await offline.claim() == attempt_id  # still this agent's open lead


async def test_an_ended_attempt_can_be_neither_dialled_nor_skipped(offline: Offline) -> None:
    attempt_id = await offline.claim()
    await offline.service.crm.campaigns.attempt_ended(
        attempt_id, cause=17, at=datetime.now(UTC), abandoned=False
    )
    for action, body in (("dial", None), ("skip", {"reason": "later"})):
        status, error = await offline.post("agent1", f"/api/preview/{attempt_id}/{action}", body)
        assert (status, error["error_id"]) == (409, "preview-state")
    # A call-back after the call is what agents do: allowed.
    status, body = await offline.post(
        "agent1", f"/api/preview/{attempt_id}/callback", {"due_at": in_an_hour()}
    )
    assert (status, body["owner_login"]) == (200, "agent1")
