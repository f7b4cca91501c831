"""The statements of the 360° view: one per part, built once, none per row."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased

from crm_core.calls.links import activities_of_calls, requests_of_calls
from crm_core.db.metadata import metadata
from crm_core.service_desk.workflow import OPEN_REQUEST

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
REQUESTS = T["service_requests"]
SERVICE_QUEUES = T["service_queues"]
ASSETS = T["member_assets"]
RESPONSES = T["survey_responses"]
ANSWERS = T["survey_answers"]
OPTIONS = T["survey_options"]
QUESTIONNAIRES = T["questionnaires"]

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
        CALLS.c.abandoned, CALLS.c.disposition_code, CALLS.c.disposition_note, CALLS.c.id,
    )
    .outerjoin(USERS, USERS.c.id == CALLS.c.agent_id)
    .where(CALLS.c.member_id == bindparam("member_id"))
    .order_by(CALLS.c.started_at.desc(), CALLS.c.id.desc())
    .limit(bindparam("limit"))
)  # fmt: skip
_last_call_ids = (
    select(CALLS.c.id)
    .where(CALLS.c.member_id == bindparam("member_id"))
    .order_by(CALLS.c.started_at.desc(), CALLS.c.id.desc())
    .limit(bindparam("limit"))
    .scalar_subquery()
)
# What agents recorded on those calls (pending ones, of calls not yet logged, are not).
ACTIVITIES_OF_LAST_CALLS = activities_of_calls(_last_call_ids)
REQUESTS_OF_LAST_CALLS = requests_of_calls(_last_call_ids)
_owner = aliased(USERS)
OPEN_REQUESTS = (
    select(
        REQUESTS.c.id, REQUESTS.c.subject, REQUESTS.c.request_type, REQUESTS.c.priority,
        REQUESTS.c.status, SERVICE_QUEUES.c.name, _owner.c.login, REQUESTS.c.created_at,
        REQUESTS.c.resolution_due,
    )
    .outerjoin(SERVICE_QUEUES, SERVICE_QUEUES.c.id == REQUESTS.c.queue_id)
    .outerjoin(_owner, _owner.c.id == REQUESTS.c.owner_id)
    .where(
        REQUESTS.c.member_id == bindparam("member_id"),
        # OR of literals rather than IN: StatementRunner compiles statements once.
        or_(*(REQUESTS.c.status == status.value for status in sorted(OPEN_REQUEST))),
    )
    .order_by(REQUESTS.c.priority, REQUESTS.c.created_at.desc())
    .limit(bindparam("limit"))
)  # fmt: skip
ASSETS_OF = (
    select(ASSETS.c.id, ASSETS.c.product_code, ASSETS.c.product_name, ASSETS.c.serial,
           ASSETS.c.purchase_date, ASSETS.c.warranty_end)
    .where(ASSETS.c.member_id == bindparam("member_id"))
    .order_by(ASSETS.c.purchase_date.desc(), ASSETS.c.id.desc())
)  # fmt: skip
_latest_response = (
    select(RESPONSES.c.id)
    .where(RESPONSES.c.member_id == bindparam("member_id"), RESPONSES.c.completed_at.is_not(None))
    .order_by(RESPONSES.c.completed_at.desc(), RESPONSES.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
# The member's last completed survey with what its score is made of (option scores and
# ratings, as crm_core.surveys.rules.answer_items counts them).
LAST_SURVEY = (
    select(QUESTIONNAIRES.c.code, RESPONSES.c.completed_at, OPTIONS.c.score, ANSWERS.c.rating)
    .join(QUESTIONNAIRES, QUESTIONNAIRES.c.id == RESPONSES.c.questionnaire_id)
    .outerjoin(ANSWERS, ANSWERS.c.response_id == RESPONSES.c.id)
    .outerjoin(OPTIONS, OPTIONS.c.id == ANSWERS.c.option_id)
    .where(RESPONSES.c.id == _latest_response)
)
