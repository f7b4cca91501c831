"""The pop's member: built in one place from the real 360° view, the same JSON it always was."""

from __future__ import annotations

from crm_core.wiring import Crm
from cti.http.serialisers import MEMBER_360
from cti.protocol import MemberSummary, decode, encode
from cti.screen_pop.lookup import member_summary
from tests.support.desk_api import seed_desk

PARTS = ("profile", "cards", "points", "open_requests", "last_calls", "last_survey")


async def test_the_summary_is_the_360_view_on_the_wire_less_orders_and_assets(
    any_crm: Crm,
) -> None:
    number = await seed_desk(any_crm)
    opened = await any_crm.service_desk.requests.open(
        {"subject": "Kettle leaks", "request_type": "repair", "member_number": number},
        actor="agent1",
    )
    view = await any_crm.member360.view(number)

    summary = member_summary(view, ["I-00000099"])

    wire = MEMBER_360.dump(view)
    assert encode(summary) == {
        "number": number, "name": "李娜", "level": 3, "member_type": wire["profile"]["member_type"],
        "other_matches": ["I-00000099"], **{part: wire[part] for part in PARTS},
    }  # fmt: skip
    assert set(wire) - set(PARTS) == {"last_orders", "assets"}
    assert summary.points.valid == 1200
    assert [request.number for request in summary.open_requests] == [opened.number]
    assert decode(MemberSummary, encode(summary)) == summary


async def test_a_member_alone_on_the_number_has_no_other_matches(any_crm: Crm) -> None:
    number = await seed_desk(any_crm)
    summary = member_summary(await any_crm.member360.view(number))
    assert summary.other_matches == () and summary.last_survey is None
    assert summary.profile.phones[0].e164 == "+8613812345678"
