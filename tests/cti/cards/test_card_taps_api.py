"""Card taps through the real API on SQLite and PostgreSQL: what pops at whose console,
what the CRM records, the strict checks of the UID and the body, the card actions a
console takes, and a tap as the verification of a counter redemption."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crm_core.loyalty.models import Operation, PointsEntry
from crm_core.staff.audit import AccessAction
from crm_core.wiring import Crm
from cti.protocol import ScreenPop, SessionReady, from_json
from tests.conftest import Clock
from tests.support.api import error_of
from tests.support.points_api import SEED_POINTS, PointsDesk, points_desk

UID, OTHER_UID, NEW_UID = "04A1B2C3D4E5F6", "04FFEEDDCCBBAA", "0411223344556677"
READER = "ACS ACR122U PICC Interface 00 00"


async def active_card(crm: Crm, member: str, uid: str = UID, number: str = "C-0001") -> None:
    await crm.cards.issue(number, uid, actor="t")
    await crm.cards.bind(number, member, actor="t")


async def console(desk: PointsDesk, headers: dict[str, str]) -> Any:
    socket = await desk.api.ws_connect("/api/ws")
    await socket.send_json({"type": "authenticate", "token": headers["Authorization"][7:]})
    assert isinstance(from_json(await socket.receive_str(timeout=5)), SessionReady)
    return socket


async def tap(desk: PointsDesk, uid: str, headers: dict[str, str]) -> dict[str, Any]:
    return await desk.ok(f"/api/cards/{uid}/tap", headers, {"reader": READER})


async def test_an_active_card_pops_its_member_on_the_tapping_agents_consoles_only(
    any_crm: Crm,
) -> None:
    async with points_desk(any_crm) as desk:
        await active_card(any_crm, desk.member)
        mine, other = await console(desk, desk.agent), await console(desk, desk.other_agent)
        answer = await tap(desk, UID, desk.agent)
        pop = from_json(await mine.receive_str(timeout=5))
        await other.close()
    assert answer["consoles"] == 1
    assert isinstance(pop, ScreenPop) and pop.source == "card" and pop.card is not None
    assert pop.member is not None and pop.member.number == desk.member
    assert (pop.card.reader, pop.card.card_number, pop.card.status) == (READER, "C-0001", "active")
    assert pop.card.warning is None and pop.call_id == ""
    [activity] = await any_crm.activities.activities_of(desk.member)
    assert activity.body == f"card C-0001 presented at counter, reader {READER}"
    assert activity.created_by == "agent7"
    [audited] = await any_crm.access_audit.entries(action=AccessAction.CARD_TAPPED)
    assert (audited.actor, audited.subject) == ("agent7", UID)


@pytest.mark.parametrize(
    ("change", "status", "warned"),
    [("lost", "lost", "is lost"), ("replaced", "replaced", "replaced by C-0002"),
     ("cancelled", "cancelled", "is cancelled")],
)  # fmt: skip
async def test_a_blocked_card_pops_a_warning_with_its_member(
    any_crm: Crm, change: str, status: str, warned: str
) -> None:
    async with points_desk(any_crm) as desk:
        await active_card(any_crm, desk.member)
        if change == "lost":
            await any_crm.cards.report_lost("C-0001", actor="t")
        elif change == "replaced":
            await any_crm.cards.replace("C-0001", "C-0002", OTHER_UID, actor="t")
        else:
            await any_crm.cards.cancel("C-0001", actor="t")
        pop = (await tap(desk, UID, desk.agent))["pop"]
    assert pop["member"]["number"] == desk.member
    assert pop["card"]["status"] == status and warned in pop["card"]["warning"]


async def test_an_unknown_card_pops_unknown_with_its_uid_and_is_audited(any_crm: Crm) -> None:
    async with points_desk(any_crm) as desk:
        pop = (await tap(desk, UID, desk.agent))["pop"]
        looked_up = await desk.api.get(f"/api/cards/{UID}", headers=desk.agent)
        known = await looked_up.json()
    assert pop["member"] is None and pop["card"]["status"] == "unknown"
    assert UID in pop["card"]["warning"]
    assert known == {"uid": UID, "status": "unknown", "card_number": None,
                     "member_number": None, "replaced_by": None}  # fmt: skip
    [audited] = await any_crm.access_audit.entries(action=AccessAction.CARD_TAPPED)
    assert audited.subject == UID


@pytest.mark.parametrize(
    "uid", ["04a1b2c3d4e5f6", "04:A1:B2:C3", "04A1B2C", "04A1B2", "04" * 11, "04A1B2C3%0A"]
)
async def test_a_uid_that_is_not_upper_case_hex_bytes_is_refused_naming_it(
    crm: Crm, uid: str
) -> None:
    async with points_desk(crm) as desk:
        problem = await error_of(await desk.post(f"/api/cards/{uid}/tap", desk.agent,
                                                 {"reader": READER}), 400)  # fmt: skip
    assert (problem["error_id"], problem["details"]["field"]) == ("invalid-card-uid", "uid")


@pytest.mark.parametrize(
    "body",
    [{}, {"reader": ""}, {"reader": "R\n1"}, {"reader": "R\x1b[2J"}, {"reader": "x" * 129},
     {"reader": " padded"}, {"reader": 7}, {"reader": READER, "member": "I-00000001"}],
)  # fmt: skip
async def test_a_tap_body_other_than_a_bounded_printable_reader_name_is_refused(
    crm: Crm, body: dict[str, Any]
) -> None:
    async with points_desk(crm) as desk:
        problem = await error_of(await desk.post(f"/api/cards/{UID}/tap", desk.agent, body), 400)
    assert problem["error_id"] == "invalid-body"
    assert await crm.access_audit.entries(action=AccessAction.CARD_TAPPED) == []


async def test_a_console_issues_reports_lost_and_replaces_a_tapped_card(any_crm: Crm) -> None:
    async with points_desk(any_crm) as desk:
        issued = await desk.ok(
            f"/api/cards/{UID}/issue", desk.agent, {"member_number": desk.member}
        )
        lost = await desk.ok(f"/api/cards/{UID}/lost", desk.agent, {"note": "left on a bus"})
        new = await desk.ok(f"/api/cards/{UID}/replace", desk.agent, {"new_uid": NEW_UID})
        again = await error_of(await desk.post(f"/api/cards/{UID}/lost", desk.agent, {}), 409)
        pop = (await tap(desk, NEW_UID, desk.agent))["pop"]
    assert (issued["status"], issued["card_number"], issued["member_number"]) == (
        "active", f"C{UID}", desk.member)  # fmt: skip
    assert lost["status"] == "lost"
    assert (new["uid"], new["status"], new["member_number"]) == (NEW_UID, "active", desk.member)
    assert again["error_id"] == "card-not-usable"
    assert pop["member"]["points"]["valid"] == SEED_POINTS, "the member keeps the points"


def redeem(points: int, key: str) -> dict[str, Any]:
    return {"points": points, "item": "travel mug", "idempotency_key": key}


async def redemptions_verified(crm: Crm) -> list[str | None]:
    """How each redemption on the ledger was verified, oldest first."""
    async with crm.db.read() as session:
        values = await session.scalars(
            select(PointsEntry.verification)
            .where(PointsEntry.operation == Operation.REDEEM)
            .order_by(PointsEntry.id)
        )
        return [None if value is None else value.value for value in values]


async def test_a_card_tapped_at_the_agents_desk_verifies_a_counter_redemption_for_a_while(
    any_crm: Crm, clock: Clock
) -> None:
    async with points_desk(any_crm) as desk:
        await active_card(any_crm, desk.member)
        await tap(desk, UID, desk.agent)
        path = desk.path("redeem")
        verified = await desk.ok(path, desk.agent, redeem(50, "counter-0001"))
        elsewhere = await desk.ok(path, desk.other_agent, redeem(50, "counter-0002"))
        clock.advance(minutes=6)
        stale = await desk.ok(path, desk.agent, redeem(50, "counter-0003"))
        replayed = await desk.ok(path, desk.agent, redeem(50, "counter-0001"))
        await any_crm.cards.report_lost("C-0001", actor="t")
        await tap(desk, UID, desk.agent)
        lost = await desk.ok(path, desk.agent, redeem(50, "counter-0004"))
    assert (verified["status"], verified["valid"]) == ("posted", SEED_POINTS - 50)
    assert await redemptions_verified(any_crm) == ["card_tap"], "on the ledger entry, once"
    assert elsewhere["needs"] == "caller-not-verified", "a tap at another desk verifies nothing"
    assert stale["needs"] == "caller-not-verified", "a tap verifies for five minutes"
    assert replayed == verified, "a late retry replays the posting, no conflict"
    assert lost["needs"] == "caller-not-verified", "a lost card verifies nothing"
