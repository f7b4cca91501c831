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

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from crm_core.activities.models import Activity, ActivityKind
from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.members.cards import chip_uid
from crm_core.members.models import CardEvent, CardStatus, Member, MemberCard
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


_TABLES = MemberCard.metadata.tables
_CARDS = _TABLES[MemberCard.__tablename__]
_MEMBERS = _TABLES[Member.__tablename__]
_REPLACEMENTS = _CARDS.alias("replacement")
_CARD_OF_UID = (
    select(
        _CARDS.c.id, _CARDS.c.member_id, _CARDS.c.card_number, _CARDS.c.chip_uid,
        _CARDS.c.card_type, _CARDS.c.status, _MEMBERS.c.number,
        _REPLACEMENTS.c.card_number, _CARDS.c.issued_at, _CARDS.c.status_changed_at,
    )
    .select_from(_CARDS)
    .outerjoin(_MEMBERS, _MEMBERS.c.id == _CARDS.c.member_id)
    .outerjoin(_REPLACEMENTS, _REPLACEMENTS.c.id == _CARDS.c.replaced_by_id)
    .where(_CARDS.c.chip_uid == bindparam("uid"))
)  # fmt: skip
_INSERT_CARD_EVENT = insert(_TABLES[CardEvent.__tablename__])
_INSERT_ACTIVITY = insert(_TABLES[Activity.__tablename__])
_INSERT_ACCESS_EVENT = insert(_TABLES[AccessEvent.__tablename__])


def _card_of_uid(run: StatementRunner, uid: str) -> tuple[int, int | None, CardView] | None:
    """The card with chip ``uid`` (its row id, its member's row id, its view), or None."""
    row = run.one_or_none(_CARD_OF_UID, {"uid": uid})
    if row is None:
        return None
    card_id, member_id, number, chip, card_type, status, member_number, replaced_by = row[:8]
    view = CardView(
        card_number=number, chip_uid=chip, card_type=card_type, status=CardStatus(status),
        member_number=member_number, replaced_by=replaced_by,
        issued_at=row[8], status_changed_at=row[9],
    )  # fmt: skip
    return card_id, member_id, view


def _record(
    run: StatementRunner, uid: str, reader: str, actor: str, address: str | None, at: datetime
) -> CardTap:
    """The tap's three rows with prebuilt statements (it is on the path of every pop)."""
    found = _card_of_uid(run, uid)
    detail = f"reader {reader}"
    card = None
    if found is not None:
        card_id, member_id, card = found
        detail = f"card {card.card_number} ({card.status.value}), reader {reader}"
        run.execute_many(_INSERT_CARD_EVENT, [
            {"card_id": card_id, "action": TAPPED, "member_id": member_id, "actor": actor,
             "note": f"reader {reader}", "created_at": at},
        ])  # fmt: skip
        if member_id is not None:
            body = f"card {card.card_number} presented at counter, reader {reader}" + (
                "" if card.status is CardStatus.ACTIVE else f" (the card is {card.status.value})"
            )
            run.execute_many(_INSERT_ACTIVITY, [
                {"member_id": member_id, "kind": ActivityKind.VISIT.value,
                 "subject": "card presented", "body": body, "channel": reader,
                 "template_id": None, "call_id": None, "call_linked_id": None,
                 "created_by": actor, "created_at": at},
            ])  # fmt: skip
    run.execute_many(_INSERT_ACCESS_EVENT, [
        {"at": at, "actor": actor[:64], "action": AccessAction.CARD_TAPPED.value,
         "address": address[:64] if address else None, "subject": uid, "detail": detail[:300]},
    ])  # fmt: skip
    return CardTap(uid, reader, actor, at, card)


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
        return await self._db.run_statements(
            lambda run: _record(run, uid, reader, actor, address, at)
        )

    async def find(self, uid: str) -> CardView | None:
        """The card with chip ``uid`` whatever its status, or ``None`` for an unknown UID."""
        uid = chip_uid(uid)
        found = await self._db.run_read(lambda run: _card_of_uid(run, uid))
        return None if found is None else found[2]


__all__ = ["TAPPED", "CardTap", "CardTaps", "card_tap_verifies", "reader_name"]
