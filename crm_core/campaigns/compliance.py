"""Who may be called: suppression (do-not-call), numbers known invalid, the 72-hour rest
after an abandoned call, and recorded consent. Each rule is one SQL condition, so the
import and the claim right before dialling test exactly the same thing."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crm_core.campaigns.exceptions import CampaignNotFoundError
from crm_core.campaigns.models import (
    Campaign,
    ContactConsent,
    DialAttempt,
    InvalidNumber,
    Suppression,
    SuppressionSource,
)
from crm_core.campaigns.outcomes import CallResult
from crm_core.campaigns.schemas import SuppressionView
from crm_core.errors import InvalidInputError
from crm_core.members.models import Member

ABANDON_REST = timedelta(hours=72)
"""An abandoned number is not dialled again by any campaign for this long (Ofcom), except
as an agent's call-back."""
Phone = ColumnElement[str] | InstrumentedAttribute[str] | str
CampaignRef = ColumnElement[int] | InstrumentedAttribute[int] | int
CHANNELS = frozenset({"phone", "sms", "email"})


def suppressed(phone: Phone, campaign_id: CampaignRef, at: datetime) -> ColumnElement[bool]:
    """A suppression of ``phone``, global or of the campaign, that holds at ``at``."""
    return exists().where(
        Suppression.phone == phone,
        or_(Suppression.campaign_id.is_(None), Suppression.campaign_id == campaign_id),
        or_(Suppression.expires_at.is_(None), Suppression.expires_at > at),
    )


def invalid(phone: Phone) -> ColumnElement[bool]:
    """The number was found not to exist."""
    return exists().where(InvalidNumber.phone == phone)


def resting_after_abandon(phone: Phone, at: datetime) -> ColumnElement[bool]:
    """A call to ``phone`` was abandoned, by any campaign, less than 72 h before ``at``."""
    return exists().where(
        DialAttempt.phone == phone,
        DialAttempt.result == CallResult.ABANDONED.value,
        DialAttempt.ended_at > at - ABANDON_REST,
    )


def consented_members(session: Session, member_ids: Collection[int], channel: str) -> set[int]:
    """Those of ``member_ids`` whose newest consent record on ``channel`` grants it."""
    if not member_ids:
        return set()
    newest: dict[int, bool] = {}
    rows = session.execute(
        select(ContactConsent.member_id, ContactConsent.granted)
        .where(ContactConsent.member_id.in_(member_ids), ContactConsent.channel == channel)
        .order_by(ContactConsent.recorded_at, ContactConsent.id)
    )
    for member_id, granted in rows:
        newest[member_id] = granted
    return {member_id for member_id, granted in newest.items() if granted}


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit or not text.isprintable():
        raise InvalidInputError(f"{field}: 1–{limit} printable characters", field=field)
    return text


def suppress(
    session: Session,
    *,
    phone: str,
    campaign_id: int | None,
    source: str,
    reason: str,
    by: str,
    at: datetime,
    expires_at: datetime | None,
) -> SuppressionView:
    """Write a do-not-call entry; a campaign's must name an existing campaign."""
    try:
        origin = SuppressionSource(source)
    except ValueError:
        allowed = ", ".join(member.value for member in SuppressionSource)
        raise InvalidInputError(
            f"source: {source!r} is not one of {allowed}", field="source"
        ) from None
    if expires_at is not None and expires_at <= at:
        raise InvalidInputError("expires_at: must be after now", field="expires_at")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise CampaignNotFoundError(f"no campaign {campaign_id}", campaign_id=campaign_id)
    row = Suppression(
        phone=phone,
        campaign_id=campaign_id,
        source=origin,
        reason=_text(reason, "reason", 400),
        created_by=_text(by, "by", 64),
        created_at=at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return SuppressionView(
        id=row.id,
        phone=row.phone,
        campaign_id=row.campaign_id,
        source=origin.value,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def record_consent(
    session: Session,
    *,
    member_id: int,
    channel: str,
    granted: bool,
    source: str,
    by: str,
    at: datetime,
) -> None:
    """Add a consent (or refusal) record; the newest one of a member and channel holds."""
    if channel not in CHANNELS:
        raise InvalidInputError(
            f"channel: {channel!r} is not one of {', '.join(sorted(CHANNELS))}", field="channel"
        )
    if session.get(Member, member_id) is None:
        raise InvalidInputError(f"member_id: no member {member_id}", field="member_id")
    session.add(
        ContactConsent(
            member_id=member_id,
            channel=channel,
            granted=granted,
            source=_text(source, "source", 64),
            recorded_by=_text(by, "by", 64),
            recorded_at=at,
        )
    )
    session.flush()


def callable_now(
    phone: Phone, campaign_id: CampaignRef, at: datetime, *, callback: bool
) -> ColumnElement[bool]:
    """Not suppressed, not invalid and (unless an agent's call-back) not resting."""
    conditions = [~suppressed(phone, campaign_id, at), ~invalid(phone)]
    if not callback:
        conditions.append(~resting_after_abandon(phone, at))
    return and_(*conditions)
