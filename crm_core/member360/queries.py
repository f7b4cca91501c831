"""The statements of the 360° view: one per part, built once, none per row."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from crm_core.db.metadata import metadata

T = metadata.tables
MEMBERS = T["members"]
PHONES = T["member_phones"]
CARDS = T["member_cards"]
ACCOUNTS = T["points_accounts"]
LOTS = T["points_lots"]
ORDERS = T["orders"]
ORDER_LINES = T["order_lines"]
CALLS = T["call_records"]
USERS = T["users"]

PROFILE_COLUMNS = (
    "id", "number", "kind", "name", "level", "member_type", "owner", "gender", "birthday",
    "email", "address", "province", "city", "region", "education", "income_band",
    "job_title", "employer", "language", "customer_category", "purchase_intent",
    "product_interest", "external_ref", "custom_fields", "created_at",
)  # fmt: skip

PROFILE = select(*(MEMBERS.c[name] for name in PROFILE_COLUMNS)).where(
    MEMBERS.c.number == bindparam("number")
)
PHONES_OF = (
    select(PHONES.c.e164, PHONES.c.label)
    .where(PHONES.c.member_id == bindparam("member_id"))
    .order_by(PHONES.c.position)
)
_successor = aliased(CARDS)
CARDS_OF = (
    select(
        CARDS.c.card_number, CARDS.c.chip_uid, CARDS.c.card_type, CARDS.c.status,
        _successor.c.card_number, CARDS.c.issued_at, CARDS.c.status_changed_at,
    )
    .outerjoin(_successor, _successor.c.id == CARDS.c.replaced_by_id)
    .where(CARDS.c.member_id == bindparam("member_id"))
    .order_by(CARDS.c.issued_at.desc(), CARDS.c.id.desc())
)  # fmt: skip
CUMULATIVE = select(ACCOUNTS.c.cumulative).where(ACCOUNTS.c.member_id == bindparam("member_id"))
LIVE_LOTS_BY_EXPIRY = (
    select(LOTS.c.expires_at, func.sum(LOTS.c.remaining))
    .where(
        LOTS.c.member_id == bindparam("member_id"),
        LOTS.c.remaining > 0,
        LOTS.c.expires_at > bindparam("now"),
    )
    .group_by(LOTS.c.expires_at)
    .order_by(LOTS.c.expires_at)
)
LAST_ORDERS = (
    select(ORDERS.c.id, ORDERS.c.order_ref, ORDERS.c.ordered_at, ORDERS.c.total_cents,
           ORDERS.c.channel)
    .where(ORDERS.c.member_id == bindparam("member_id"))
    .order_by(ORDERS.c.ordered_at.desc(), ORDERS.c.id.desc())
    .limit(bindparam("limit"))
)  # fmt: skip
LINES_OF_LAST_ORDERS = (
    select(ORDER_LINES.c.order_id, ORDER_LINES.c.product_code, ORDER_LINES.c.product_name,
           ORDER_LINES.c.category, ORDER_LINES.c.quantity, ORDER_LINES.c.amount_cents)
    .where(ORDER_LINES.c.order_id.in_(
        select(ORDERS.c.id)
        .where(ORDERS.c.member_id == bindparam("member_id"))
        .order_by(ORDERS.c.ordered_at.desc(), ORDERS.c.id.desc())
        .limit(bindparam("limit"))
        .scalar_subquery()
    ))
    .order_by(ORDER_LINES.c.order_id, ORDER_LINES.c.position)
)  # fmt: skip
LAST_CALLS = (
    select(
        CALLS.c.linked_id, CALLS.c.direction, CALLS.c.caller, CALLS.c.queue, USERS.c.login,
        CALLS.c.started_at, CALLS.c.answered_at, CALLS.c.ended_at, CALLS.c.talk_seconds,
        CALLS.c.abandoned, CALLS.c.disposition_code, CALLS.c.disposition_note,
    )
    .outerjoin(USERS, USERS.c.id == CALLS.c.agent_id)
    .where(CALLS.c.member_id == bindparam("member_id"))
    .order_by(CALLS.c.started_at.desc(), CALLS.c.id.desc())
    .limit(bindparam("limit"))
)  # fmt: skip
