"""Member cards through their life: issue, bind, lost, replace, cancel, lookups."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.members.cards import CardNotUsableError, DuplicateCardError
from crm_core.members.models import CardStatus
from crm_core.wiring import Crm
from tests.support.crm import new_member, snapshot


async def test_a_card_from_issue_to_replacement(any_crm: Crm) -> None:
    await any_crm.members.add_member_type("gold", "Gold card")
    number = await new_member(any_crm)
    await any_crm.points.gift(number, 800, reason="welcome", operator="op", idempotency_key="g")
    issued = await any_crm.cards.issue("gc-000123", "04 a2 2b 1a", card_type="gold", actor="desk1")
    assert (issued.card_number, issued.chip_uid, issued.status) == (
        "GC-000123",
        "04A22B1A",
        CardStatus.ISSUED,
    )
    with pytest.raises(CardNotUsableError):  # not bound yet: identifies nobody
        await any_crm.cards.member_for_card(uid="04A22B1A")
    bound = await any_crm.cards.bind("GC-000123", number, actor="desk1")
    assert bound.status is CardStatus.ACTIVE and bound.member_number == number
    assert await any_crm.cards.member_for_card(uid="04:A2:2B:1A") == number
    assert await any_crm.cards.member_for_card(number="GC-000123") == number

    lost = await any_crm.cards.report_lost("GC-000123", actor="agent7", note="lost on metro")
    assert lost.status is CardStatus.LOST
    with pytest.raises(CardNotUsableError):
        await any_crm.cards.member_for_card(uid="04A22B1A")

    new = await any_crm.cards.replace("GC-000123", "GC-000124", "04A22B1B", actor="desk1")
    assert (new.status, new.member_number, new.card_type) == (CardStatus.ACTIVE, number, "gold")
    old = await any_crm.cards.lookup(number="GC-000123")
    assert (old.status, old.replaced_by) == (CardStatus.REPLACED, "GC-000124")
    assert await any_crm.cards.member_for_card(uid="04A22B1B") == number
    assert (await any_crm.points.summary(number)).valid == 800  # points stay with the member
    assert [c.card_number for c in await any_crm.cards.cards_of(number)] == [
        "GC-000124",
        "GC-000123",
    ]


async def test_cancelled_cards_cannot_be_bound_or_used(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    await any_crm.cards.issue("GC-1000", "11223344", actor="a")
    await any_crm.cards.cancel("GC-1000", actor="a")
    before = await snapshot(any_crm.db)
    with pytest.raises(CardNotUsableError):
        await any_crm.cards.bind("GC-1000", number, actor="a")
    with pytest.raises(CardNotUsableError):
        await any_crm.cards.replace("GC-1000", "GC-1001", "11223355", actor="a")
    with pytest.raises(CardNotUsableError):
        await any_crm.cards.cancel("GC-1000", actor="a")
    assert await snapshot(any_crm.db) == before


async def test_duplicate_and_malformed_cards_are_refused(any_crm: Crm) -> None:
    number = await new_member(any_crm)
    await any_crm.cards.issue("GC-2000", "AABBCCDD", actor="a")
    await any_crm.cards.bind("GC-2000", number, actor="a")
    before = await snapshot(any_crm.db)
    with pytest.raises(DuplicateCardError):
        await any_crm.cards.issue("GC-2000", "AABBCCEE", actor="a")
    with pytest.raises(DuplicateCardError):
        await any_crm.cards.issue("GC-2001", "aa:bb:cc:dd", actor="a")
    for card_number, uid in (
        ("G", "AABBCC00"),
        ("GC\r\n2002", "AABBCC00"),
        ("GC-2002", "XYZ"),
        ("GC-2002", "AABBC"),
        ("GC-2002", "../etc"),
    ):
        with pytest.raises(InvalidInputError):
            await any_crm.cards.issue(card_number, uid, actor="a")
    with pytest.raises(InvalidInputError):
        await any_crm.cards.issue("GC-2003", "AABBCC01", card_type="unknown", actor="a")
    with pytest.raises(CardNotUsableError):  # already bound
        await any_crm.cards.bind("GC-2000", number, actor="a")
    with pytest.raises(NotFoundError):
        await any_crm.cards.bind("GC-9999", number, actor="a")
    with pytest.raises(DuplicateCardError):  # the new card's UID is taken
        await any_crm.cards.replace("GC-2000", "GC-2004", "AABBCCDD", actor="a")
    assert await snapshot(any_crm.db) == before
