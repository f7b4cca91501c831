"""Member cards: issue, bind to a member, report lost, replace, cancel, look up.

Only an ``active`` card identifies its member. Replacing a card stops the old one and
binds a new one to the same member; points live on the member, never on a card.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import ConflictError, InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.models import CardEvent, CardStatus, Member, MemberCard, MemberType
from crm_core.members.schemas import CardView
from crm_core.members.services import load_member

CARD_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")
CHIP_UID = re.compile(r"^(?:[0-9A-F]{2}){4,10}$")


class CardNotUsableError(ConflictError):
    """The card's status does not allow the action (e.g. binding a cancelled card)."""

    error_id = "card-not-usable"


class DuplicateCardError(ConflictError):
    """A card number or chip UID that is already on another card."""

    error_id = "duplicate-card"


def card_number(raw: str) -> str:
    """A card number in canonical form (upper case, no spaces)."""
    value = raw.strip().upper().replace(" ", "")
    if not CARD_NUMBER.match(value):
        raise InvalidInputError(
            f"{raw!r} is not a card number (4–32 letters, digits, '-')", card_number=raw
        )
    return value


def chip_uid(raw: str) -> str:
    """A chip UID as upper-case hex without separators (4, 7 or 10 bytes as readers report)."""
    value = re.sub(r"[\s:.-]", "", raw.strip()).upper()
    if not CHIP_UID.match(value):
        raise InvalidInputError(f"{raw!r} is not a chip UID (4 to 10 bytes in hex)", chip_uid=raw)
    return value


def card_view(session: Session, card: MemberCard) -> CardView:
    """The card as the services return it: its owner and successor by number."""
    member_number = (
        session.scalar(select(Member.number).where(Member.id == card.member_id))
        if card.member_id
        else None
    )
    replaced_by = (
        session.scalar(select(MemberCard.card_number).where(MemberCard.id == card.replaced_by_id))
        if card.replaced_by_id
        else None
    )
    return CardView(
        card_number=card.card_number,
        chip_uid=card.chip_uid,
        card_type=card.card_type,
        status=card.status,
        member_number=member_number,
        replaced_by=replaced_by,
        issued_at=card.issued_at,
        status_changed_at=card.status_changed_at,
    )


def _load(session: Session, number: str) -> MemberCard:
    card = session.scalars(
        select(MemberCard).where(MemberCard.card_number == number).with_for_update()
    ).one_or_none()
    if card is None:
        raise NotFoundError(f"no card {number!r}", card_number=number)
    return card


def _set_status(
    session: Session,
    card: MemberCard,
    status: CardStatus,
    *,
    actor: str,
    at: datetime,
    note: str | None = None,
) -> None:
    card.status = status
    card.status_changed_at = at
    session.add(
        CardEvent(
            card_id=card.id,
            action=status.value,
            member_id=card.member_id,
            actor=actor,
            note=note,
            created_at=at,
        )
    )


def _require(card: MemberCard, allowed: set[CardStatus], action: str) -> None:
    if card.status not in allowed:
        raise CardNotUsableError(
            f"card {card.card_number} is {card.status.value}: it cannot be {action}",
            card_number=card.card_number,
            status=card.status.value,
        )


def _issue(
    session: Session, number: str, uid: str, card_type: str | None, actor: str, at: datetime
) -> MemberCard:
    if session.scalar(select(MemberCard.id).where(MemberCard.card_number == number)):
        raise DuplicateCardError(f"card number {number} is already issued", card_number=number)
    if session.scalar(select(MemberCard.id).where(MemberCard.chip_uid == uid)):
        raise DuplicateCardError(f"chip UID {uid} is already on another card", chip_uid=uid)
    if card_type is not None and session.get(MemberType, card_type) is None:
        raise InvalidInputError(f"unknown card type {card_type!r}", card_type=card_type)
    card = MemberCard(
        card_number=number,
        chip_uid=uid,
        card_type=card_type,
        status=CardStatus.ISSUED,
        issued_at=at,
        status_changed_at=at,
    )
    session.add(card)
    session.flush()
    session.add(CardEvent(card_id=card.id, action="issued", actor=actor, created_at=at))
    return card


class CardService:
    """The life cycle of member cards."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def issue(
        self, number: str, uid: str, *, card_type: str | None = None, actor: str
    ) -> CardView:
        """Issue a blank card (not yet bound to anyone)."""
        number, uid = card_number(number), chip_uid(uid)

        def work(session: Session) -> CardView:
            return card_view(session, _issue(session, number, uid, card_type, actor, self.clock()))

        return await self._db.run_write(work)

    async def bind(self, number: str, member_number: str, *, actor: str) -> CardView:
        """Register an issued card to a member; the card becomes active."""
        number = card_number(number)

        def work(session: Session) -> CardView:
            card = _load(session, number)
            _require(card, {CardStatus.ISSUED}, "bound")
            member = load_member(session, member_number)
            card.member_id = member.id
            card.bound_at = now = self.clock()
            _set_status(session, card, CardStatus.ACTIVE, actor=actor, at=now)
            return card_view(session, card)

        return await self._db.run_write(work)

    async def report_lost(self, number: str, *, actor: str, note: str | None = None) -> CardView:
        """Block a card reported lost; it no longer identifies its member."""
        return await self._db.run_write(
            partial(
                self._change,
                card_no=card_number(number),
                to=CardStatus.LOST,
                allowed={CardStatus.ISSUED, CardStatus.ACTIVE},
                verb="reported lost",
                actor=actor,
                note=note,
            )
        )

    async def cancel(self, number: str, *, actor: str, note: str | None = None) -> CardView:
        """Cancel a card for good."""
        return await self._db.run_write(
            partial(
                self._change,
                card_no=card_number(number),
                to=CardStatus.CANCELLED,
                allowed={CardStatus.ISSUED, CardStatus.ACTIVE, CardStatus.LOST},
                verb="cancelled",
                actor=actor,
                note=note,
            )
        )

    def _change(
        self,
        session: Session,
        *,
        card_no: str,
        to: CardStatus,
        allowed: set[CardStatus],
        verb: str,
        actor: str,
        note: str | None,
    ) -> CardView:
        card = _load(session, card_no)
        _require(card, allowed, verb)
        _set_status(session, card, to, actor=actor, note=note, at=self.clock())
        return card_view(session, card)

    async def replace(
        self, old_number: str, new_number: str, new_uid: str, *, actor: str
    ) -> CardView:
        """Replace an active or lost card with a new one bound to the same member."""
        old_number, new_number, new_uid = (
            card_number(old_number),
            card_number(new_number),
            chip_uid(new_uid),
        )

        def work(session: Session) -> CardView:
            old = _load(session, old_number)
            _require(old, {CardStatus.ACTIVE, CardStatus.LOST}, "replaced")
            now = self.clock()
            new = _issue(session, new_number, new_uid, old.card_type, actor, now)
            new.member_id = old.member_id
            new.bound_at = now
            _set_status(
                session,
                new,
                CardStatus.ACTIVE,
                actor=actor,
                at=now,
                note=f"replaces {old.card_number}",
            )
            old.replaced_by_id = new.id
            _set_status(
                session,
                old,
                CardStatus.REPLACED,
                actor=actor,
                at=now,
                note=f"replaced by {new.card_number}",
            )
            return card_view(session, new)

        return await self._db.run_write(work)

    async def lookup(self, *, number: str | None = None, uid: str | None = None) -> CardView:
        """A card by its printed number or its chip UID, whatever its status."""
        if (number is None) == (uid is None):
            raise InvalidInputError("give a card number or a chip UID")
        condition = (
            MemberCard.card_number == card_number(number)
            if number is not None
            else MemberCard.chip_uid == chip_uid(uid or "")
        )
        async with self._db.read() as session:
            card = (await session.scalars(select(MemberCard).where(condition))).one_or_none()
            if card is None:
                raise NotFoundError("no such card", card_number=number, chip_uid=uid)
            return await session.run_sync(card_view, card)

    async def member_for_card(self, *, number: str | None = None, uid: str | None = None) -> str:
        """The member number an *active* card identifies; other statuses are refused."""
        card = await self.lookup(number=number, uid=uid)
        if card.status is not CardStatus.ACTIVE or card.member_number is None:
            raise CardNotUsableError(
                f"card {card.card_number} is {card.status.value}",
                status=card.status.value,
                card_number=card.card_number,
                replaced_by=card.replaced_by,
            )
        return card.member_number

    async def cards_of(self, member_number: str) -> list[CardView]:
        """Every card a member has had, newest first."""
        async with self._db.read() as session:
            member_id = await session.scalar(
                select(Member.id).where(Member.number == member_number)
            )
            if member_id is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            cards = (
                await session.scalars(
                    select(MemberCard)
                    .where(MemberCard.member_id == member_id)
                    .order_by(MemberCard.issued_at.desc(), MemberCard.id.desc())
                )
            ).all()
            return [await session.run_sync(card_view, card) for card in cards]


__all__ = ["CardNotUsableError", "CardService", "DuplicateCardError", "card_view", "chip_uid"]
