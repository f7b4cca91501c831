"""Call-backs agents schedule: durable rows with an owner and a due time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crm_core.campaigns.exceptions import CampaignNotFoundError
from crm_core.campaigns.models import CallbackStatus, CampaignCallback, CampaignLead
from crm_core.campaigns.schemas import CallbackView
from crm_core.errors import InvalidInputError


def _view(row: CampaignCallback, phone: str) -> CallbackView:
    return CallbackView(
        id=row.id,
        campaign_id=row.campaign_id,
        lead_id=row.lead_id,
        phone=phone,
        owner_login=row.owner_login,
        due_at=row.due_at,
        note=row.note,
        status=row.status.value,
    )


def schedule(
    session: Session,
    lead_id: int,
    owner: str,
    due_at: datetime,
    note: str | None,
    now: datetime,
) -> CallbackView:
    """A call-back of the lead for ``owner`` at ``due_at``."""
    owner = owner.strip()
    if not owner or len(owner) > 64 or not owner.isprintable():
        raise InvalidInputError("owner: 1–64 printable characters", field="owner")
    if note is not None and len(note) > 400:
        raise InvalidInputError("note: at most 400 characters", field="note")
    lead = session.get(CampaignLead, lead_id)
    if lead is None:
        raise CampaignNotFoundError(f"no lead {lead_id}", lead_id=lead_id)
    row = CampaignCallback(
        campaign_id=lead.campaign_id,
        lead_id=lead.id,
        owner_login=owner,
        due_at=due_at,
        note=note,
        status=CallbackStatus.SCHEDULED,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _view(row, lead.phone)


def due(session: Session, now: datetime) -> list[CallbackView]:
    """Scheduled call-backs whose time has come, soonest first."""
    rows = session.execute(
        select(CampaignCallback, CampaignLead.phone)
        .join(CampaignLead, CampaignLead.id == CampaignCallback.lead_id)
        .where(CampaignCallback.status == CallbackStatus.SCHEDULED, CampaignCallback.due_at <= now)
        .order_by(CampaignCallback.due_at, CampaignCallback.id)
    )
    return [_view(row, phone) for row, phone in rows]


def awaiting_callback(
    lead_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    """The lead has a call-back scheduled or offered: it is its owner's, no dialer's."""
    return exists().where(
        CampaignCallback.lead_id == lead_id,
        CampaignCallback.status.in_((CallbackStatus.SCHEDULED, CallbackStatus.OFFERED)),
    )
