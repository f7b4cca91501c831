"""The card desk: what a tapped chip is, its pop at the tapping user's consoles, and the
card actions an agent takes from that pop (issue and bind, report lost, replace).

A tap pops only at the consoles of the user whose desk it was tapped at; the CRM
records it on the card, on the member (an activity) and in the access audit, in one
transaction, before the pop goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from crm_core.errors import NotFoundError
from crm_core.member360.schemas import Member360
from crm_core.members.models import CardStatus
from crm_core.members.schemas import CardView
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.cards.notifier import CardNotifier
from cti.protocol import CardOfUid, CardTapped, MemberSummary, PopCard, ScreenPop

log = logging.getLogger(__name__)

MemberSummaries = Callable[[Member360], MemberSummary]
"""Builds the pop's member from a 360° view (the screen pop's one builder)."""


def warning_of(card: CardView | None, uid: str) -> str | None:
    """Why the agent must not take the tapped card as its member's (``None``: active)."""
    if card is None:
        return f"unknown card (chip {uid}): issue it to the member on screen, or keep it"
    status = card.status
    if status is CardStatus.ACTIVE:
        return None
    if status is CardStatus.ISSUED:
        return f"card {card.card_number} is issued but not bound to a member yet"
    if status is CardStatus.REPLACED:
        return f"card {card.card_number} was replaced by {card.replaced_by}: do not accept it"
    return f"card {card.card_number} is {status.value}: do not accept it"


def card_of_uid(uid: str, card: CardView | None) -> CardOfUid:
    """The wire form of what ``uid`` is."""
    if card is None:
        return CardOfUid(uid=uid, status="unknown")
    return CardOfUid(
        uid=uid,
        status=card.status.value,
        card_number=card.card_number,
        member_number=card.member_number,
        replaced_by=card.replaced_by,
    )


class CardDesk:
    """Card taps and the card actions of the consoles."""

    def __init__(self, *, crm: Crm, notifier: CardNotifier, summaries: MemberSummaries) -> None:
        self._crm = crm
        self._notifier = notifier
        self._summaries = summaries

    async def of_uid(self, uid: str) -> CardOfUid:
        """What chip ``uid`` is (``unknown`` when no card has it)."""
        return card_of_uid(uid, await self._crm.taps.find(uid))

    async def tap(
        self, user: UserView, uid: str, reader: str, address: str | None = None
    ) -> CardTapped:
        """Record ``uid`` tapped on ``reader`` at ``user``'s desk and pop it on their consoles."""
        tap = await self._crm.taps.record(uid, reader=reader, actor=user.login, address=address)
        member = None
        if tap.card is not None and tap.card.member_number is not None:
            view = await self._crm.member360.view(tap.card.member_number)
            member = self._summaries(view)
        card = tap.card
        pop = ScreenPop(
            call_id="", caller="", did=None, inbound_media=None, queue=None, member=member,
            direction="counter", source="card",
            card=PopCard(
                uid=uid, reader=reader,
                status=card.status.value if card is not None else "unknown",
                card_number=card.card_number if card is not None else None,
                replaced_by=card.replaced_by if card is not None else None,
                warning=warning_of(card, uid),
            ),
        )  # fmt: skip
        consoles = self._notifier.card_tapped(user.login, pop)
        log.info("card %s tapped at %s's desk (%s): %d consoles", uid, user.login, reader, consoles)
        return CardTapped(pop=pop, consoles=consoles)

    async def issue(
        self, user: UserView, uid: str, member_number: str, card_number: str | None
    ) -> CardOfUid:
        """Bind chip ``uid`` to ``member_number``: issue it first when no card has it yet."""
        cards = self._crm.cards
        known = await self._crm.taps.find(uid)
        if known is None:
            known = await cards.issue(card_number or f"C{uid}", uid, actor=user.login)
        bound = await cards.bind(known.card_number, member_number, actor=user.login)
        return card_of_uid(uid, bound)

    async def report_lost(self, user: UserView, uid: str, note: str | None) -> CardOfUid:
        """Report the card with chip ``uid`` lost: it stops identifying its member."""
        card = await self._known(uid)
        lost = await self._crm.cards.report_lost(card.card_number, actor=user.login, note=note)
        return card_of_uid(uid, lost)

    async def replace(
        self, user: UserView, uid: str, new_uid: str, new_card_number: str | None
    ) -> CardOfUid:
        """Replace the card with chip ``uid`` by chip ``new_uid`` (same member, same points)."""
        card = await self._known(uid)
        new = await self._crm.cards.replace(
            card.card_number, new_card_number or f"C{new_uid}", new_uid, actor=user.login
        )
        return card_of_uid(new_uid, new)

    async def _known(self, uid: str) -> CardView:
        card = await self._crm.taps.find(uid)
        if card is None:
            raise NotFoundError(f"no card has chip {uid}", uid=uid)
        return card


__all__ = ["CardDesk", "MemberSummaries", "card_of_uid", "warning_of"]
