"""The campaign routes' shapes: round trips, and what the service's serialisers send decodes
into them (a real campaign and a real member's 360° view from the CRM)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_core.campaigns.schemas import CallbackView
from crm_core.wiring import Crm
from cti import protocol
from cti.dialer.http import CAMPAIGNS, DO_NOT_CALL, CampaignFigures, CampaignList, DoNotCall
from cti.dialer.preview import PreviewLead, PreviewOffer
from cti.dialer.preview_http import PREVIEW_OFFER
from cti.protocol import (
    CampaignCallback,
    CampaignFiguresList,
    CampaignInfo,
    DoNotCallEntry,
    PreviewDialled,
    PreviewSkipped,
    decode,
    encode,
)
from cti.protocol import (
    PreviewOffer as WirePreviewOffer,
)
from cti.protocol import campaigns as campaigns_module
from cti.protocol import campaigns as shapes
from tests.support.campaigns import campaign_spec
from tests.support.wire import member_summary

T0 = "2026-03-02T09:00:00Z"
INFO = CampaignInfo(4, "积分到期", "preview", "running", "hotline", 0.03, "您好…", ("SALE",))
LEAD = shapes.PreviewLead(
    "a" * 32, 4, "积分到期", "+8613812345678", "李娜", None, None, "您好…", ("SALE",),
    CampaignCallback(2, 4, "+8613812345678", "agent1", T0, "after six", "due"),
    dialling=False, ended=False, custom={"city": "上海"},
)  # fmt: skip
EXAMPLES: list[Any] = [
    CampaignFiguresList((shapes.CampaignFigures(INFO, 0.02, 0.0, True, 10, 4, 4, 0, 1, 2),)),
    WirePreviewOffer(LEAD),
    WirePreviewOffer(None),
    PreviewDialled("a" * 32, "a" * 32 + "-agent", "+8613812345678"),
    PreviewSkipped("a" * 32, "later", "pending"),
    DoNotCallEntry("+8613812345678", None, "asked on the phone", "agent1", None),
]


@pytest.mark.parametrize("shape", EXAMPLES, ids=lambda shape: type(shape).__name__)
def test_every_campaign_shape_survives_a_json_round_trip(shape: Any) -> None:
    text = json.dumps(encode(shape), ensure_ascii=False)
    assert decode(type(shape), json.loads(text)) == shape


def test_every_campaign_shape_has_an_example_and_is_exported() -> None:
    declared: set[type] = {
        value
        for name, value in vars(campaigns_module).items()
        if name in campaigns_module.__all__
        and isinstance(value, type)
        and dataclasses.is_dataclass(value)
    }
    shown: set[type] = set()
    for example in EXAMPLES:
        shown |= _nested(example)
    assert declared - shown == set()
    assert {kind.__name__ for kind in declared} <= set(protocol.__all__)


def _nested(value: Any) -> set[type]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {type(value)}
        for spec in dataclasses.fields(value):
            found |= _nested(getattr(value, spec.name))
        return found
    if isinstance(value, tuple):
        return set().union(*(_nested(entry) for entry in value)) if value else set()
    return set()


async def test_the_services_campaign_list_decodes_into_the_consoles_shape(crm: Crm) -> None:
    await crm.dispositions.define({"code": "SALE", "label": "Sale"})
    view = await crm.campaigns.create(
        campaign_spec(script="您好，我是…", dispositions=["SALE"]), "sup1"
    )
    sent = CAMPAIGNS.dump(
        CampaignList([CampaignFigures(view, 0.02, 0.01, True, 10, 4, 4, 0, 1, 2)])
    )
    (row,) = decode(CampaignFiguresList, sent).campaigns
    assert row.campaign == CampaignInfo(
        view.id, "points-expiry", "progressive", "draft", None, 0.03, "您好，我是…", ("SALE",)
    )
    assert (row.abandon_rate_30d, row.dialled, row.in_flight) == (0.02, 10, 2)


async def test_the_services_preview_lead_carries_the_members_360_view(crm: Crm) -> None:
    member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    view = await crm.member360.view(member.number)
    callback = CallbackView(2, 4, 9, "+8613812345678", "agent1",
                            datetime(2026, 3, 2, 9, tzinfo=UTC), None, "due")  # fmt: skip
    lead = PreviewLead(
        "a" * 32, 4, "积分到期", "+8613812345678", "李娜", {"city": "上海"}, member.number,
        view, "您好…", ("SALE",), callback, "agent1", dialling=False, ended=False, result=None,
    )  # fmt: skip
    offer = decode(WirePreviewOffer, PREVIEW_OFFER.dump(PreviewOffer(lead)))
    assert offer.lead is not None and offer.lead.member is not None
    assert offer.lead.member.summary().name == "李娜"
    assert offer.lead.callback is not None and offer.lead.callback.owner_login == "agent1"
    assert offer.lead.custom == {"city": "上海"}


def test_the_services_do_not_call_entry_decodes() -> None:
    sent = DO_NOT_CALL.dump(DoNotCall("+8613812345678", 4, "asked", "agent1", None))
    assert decode(DoNotCallEntry, sent) == DoNotCallEntry(
        "+8613812345678", 4, "asked", "agent1", None
    )


def test_a_campaign_call_member_is_the_pop_summary() -> None:
    call = protocol.CampaignCall("c", 1, "n", "+86", None, member_summary(), None)
    assert call.member is not None and call.dispositions == ()
