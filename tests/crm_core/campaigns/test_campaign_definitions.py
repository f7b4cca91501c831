"""A campaign is defined, checked field by field, and started, paused, resumed, stopped."""

from __future__ import annotations

from typing import Any

import pytest

from crm_core.campaigns.exceptions import (
    CampaignStateError,
    DuplicateCampaignError,
    InvalidCampaignError,
)
from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm
from tests.support.campaigns import campaign_spec
from tests.support.crm import snapshot


async def test_a_campaign_is_stored_as_a_draft_and_read_back(any_crm: Crm) -> None:
    await any_crm.dispositions.define({"code": "SALE", "label": "Sale"})
    created = await any_crm.campaigns.create(
        campaign_spec(dispositions=["SALE"], retry_rules={"busy": {"delay_minutes": 15}}), "sup1"
    )
    assert created.status == "draft"
    assert created.abandon_target == 0.03
    assert await any_crm.campaigns.get(created.id) == created
    assert await any_crm.campaigns.by_name("points-expiry") == created
    assert [view.name for view in await any_crm.campaigns.list()] == ["points-expiry"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"windows": {"mon": [["18:00", "09:00"]]}}, "windows.mon[0]"),
        ({"abandon_target": 0.031}, "abandon_target"),
        ({"dispositions": ["NO-SUCH-CODE"]}, "dispositions[0]"),
        ({"mode": "blaster"}, "mode"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"recording": "some"}, "recording"),
        ({"retry_rules": {"busy": {"max": -1}}}, "retry_rules.busy.max"),
        ({"windows": {"mon": []}}, "windows"),
        ({"agents": [], "queue": None}, "agents"),
        ({"mode": "ivr_message", "message": None}, "message"),
        ({"message": "hello-world,Hangup"}, "message"),
        ({"message": "../../etc/passwd"}, "message"),
    ],
)
async def test_a_bad_definition_is_refused_naming_the_field_and_nothing_is_stored(
    any_crm: Crm, changes: dict[str, Any], field: str
) -> None:
    before = await snapshot(any_crm.db)
    with pytest.raises(InvalidCampaignError) as caught:
        await any_crm.campaigns.create(campaign_spec(**changes), "sup1")
    assert caught.value.details["field"] == field
    assert caught.value.message.startswith(field)
    assert await snapshot(any_crm.db) == before


async def test_a_malformed_field_is_refused_by_name(any_crm: Crm) -> None:
    with pytest.raises(InvalidInputError, match="max_attempts"):
        await any_crm.campaigns.create(campaign_spec(max_attempts=0), "sup1")


async def test_a_campaign_name_is_unique(any_crm: Crm) -> None:
    await any_crm.campaigns.create(campaign_spec(), "sup1")
    with pytest.raises(DuplicateCampaignError):
        await any_crm.campaigns.create(campaign_spec(), "sup1")


async def test_start_pause_resume_stop_and_no_way_back_from_stopped(any_crm: Crm) -> None:
    campaign = await any_crm.campaigns.create(campaign_spec(), "sup1")
    statuses = []
    for action in ("start", "pause", "resume", "stop"):
        statuses.append((await any_crm.campaigns.set_status(campaign.id, action, "sup1")).status)
    assert statuses == ["running", "paused", "running", "stopped"]
    with pytest.raises(CampaignStateError):
        await any_crm.campaigns.set_status(campaign.id, "resume", "sup1")
    with pytest.raises(InvalidInputError, match="action"):
        await any_crm.campaigns.set_status(campaign.id, "explode", "sup1")
