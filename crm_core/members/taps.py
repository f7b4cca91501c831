"""Card taps: a member's card presented on a reader at a desk or service counter.

A tap of a known card is written three times in one transaction: a ``tapped`` step in
the card's history (who, which reader), an activity on the member ("card presented at
counter, reader X") and an entry in the access audit; an unknown chip UID only in the
audit. A tap of an *active* card at an operator's desk verifies the member for that
operator's redemptions for a few minutes (:func:`card_tap_verifies`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.activities.models import Activity, ActivityKind
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.members.cards import card_view, chip_uid
from crm_core.members.models import CardEvent, CardStatus, MemberCard
from crm_core.members.schemas import CardView
from crm_core.staff.audit import AccessAction
from crm_core.staff.models import AccessEvent

TAPPED = "tapped"
"""The card-history action of a tap."""
READER_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
"""A reader's name as PC/SC reports it: 1 to 128 characters, no control characters."""


def reader_name(raw: str) -> str:
    """A reader's name, refused (never repaired) if empty, too long or with control characters."""
    if not READER_NAME.fullmatch(raw) or raw != raw.strip():
        raise InvalidInputError(
            "a reader name is 1 to 128 characters without control characters or surrounding spaces",
            reader=raw[:140],
        )
    return raw


@dataclass(frozen=True)
class CardTap:
    """A recorded tap: the UID as read, the reader, and the card if the UID is known."""

    chip_uid: str
    reader: str
    actor: str
    at: datetime
    card: CardView | None


def _record(
    session: Session, uid: str, reader: str, actor: str, address: str | None, at: datetime
) -> CardTap:
    card = session.scalars(select(MemberCard).where(MemberCard.chip_uid == uid)).one_or_none()
    detail = f"reader {reader}"
    if card is not None:
        detail = f"card {card.card_number} ({card.status.value}), reader {reader}"
        session.add(
            CardEvent(card_id=card.id, action=TAPPED, member_id=card.member_id,
                      actor=actor, note=f"reader {reader}", created_at=at)
        )  # fmt: skip
        if card.member_id is not None:
            session.add(
                Activity(member_id=card.member_id, kind=ActivityKind.VISIT,
                         subject="card presented",
                         body=f"card {card.card_number} presented at counter, reader {reader}"
                         + ("" if card.status is CardStatus.ACTIVE
                            else f" (the card is {card.status.value})"),
                         channel=reader, created_by=actor, created_at=at)
            )  # fmt: skip
    session.add(
        AccessEvent(at=at, actor=actor[:64], action=AccessAction.CARD_TAPPED.value,
                    address=address[:64] if address else None, subject=uid, detail=detail[:300])
    )  # fmt: skip
    session.flush()
    return CardTap(uid, reader, actor, at, card_view(session, card) if card is not None else None)


def card_tap_verifies(
    session: Session, *, member_id: int, operator: str, now: datetime, window: timedelta
) -> bool:
    """Whether ``operator`` saw one of the member's *active* cards tapped within ``window``."""
    if window <= timedelta(0):
        return False
    found = session.scalar(
        select(CardEvent.id)
        .join(MemberCard, MemberCard.id == CardEvent.card_id)
        .where(
            CardEvent.action == TAPPED,
            CardEvent.member_id == member_id,
            CardEvent.actor == operator,
            CardEvent.created_at >= now - window,
            CardEvent.created_at <= now,
            MemberCard.status == CardStatus.ACTIVE,
            MemberCard.member_id == member_id,
        )
        .limit(1)
    )
    return found is not None


class CardTaps:
    """Records card taps and answers what a chip UID is."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def record(
        self, uid: str, *, reader: str, actor: str, address: str | None = None
    ) -> CardTap:
        """Record a tap of ``uid`` on ``reader`` at ``actor``'s desk (known card or not)."""
        uid, reader = chip_uid(uid), reader_name(reader)
        at = self.clock()
        return await self._db.run_write(
            lambda session: _record(session, uid, reader, actor, address, at)
        )

    async def find(self, uid: str) -> CardView | None:
        """The card with chip ``uid`` whatever its status, or ``None`` for an unknown UID."""
        uid = chip_uid(uid)
        async with self._db.read() as session:
            card = (
                await session.scalars(select(MemberCard).where(MemberCard.chip_uid == uid))
            ).one_or_none()
            return None if card is None else await session.run_sync(card_view, card)


__all__ = ["TAPPED", "CardTap", "CardTaps", "card_tap_verifies", "reader_name"]
