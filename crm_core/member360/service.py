"""The 360° view as one service call: a fixed handful of statements in one snapshot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from crm_core.calls.links import call_links
from crm_core.calls.models import Direction
from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.db.types import utcnow
from crm_core.errors import NotFoundError
from crm_core.loyalty.schemas import ExpiringLot, PointsSummary
from crm_core.member360 import queries as q
from crm_core.member360.schemas import CallBrief, Member360, SurveyScore
from crm_core.members.models import CardStatus, MemberKind
from crm_core.members.schemas import CardView, MemberView, PhoneView
from crm_core.orders.services import OrderLineView, OrderView
from crm_core.service_desk.common import public_number
from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.views import AssetView, RequestBrief
from crm_core.service_desk.workflow import RequestStatus
from crm_core.surveys.rules import response_score

Clock = Callable[[], datetime]


def _profile(run: StatementRunner, number: str) -> tuple[int, MemberView]:
    row = run.one_or_none(q.PROFILE, {"number": number})
    if row is None:
        raise NotFoundError(f"no member {number!r}", member_number=number)
    values = dict(zip(q.PROFILE_COLUMNS, row, strict=True))
    member_id = values.pop("id")
    phones = tuple(PhoneView(*phone) for phone in run.all(q.PHONES_OF, {"member_id": member_id}))
    values["kind"] = MemberKind(values["kind"])
    values["custom_fields"] = dict(values["custom_fields"] or {})
    return member_id, MemberView(phones=phones, **values)


def _cards(run: StatementRunner, member_id: int, number: str) -> tuple[CardView, ...]:
    return tuple(
        CardView(card_number=card, chip_uid=uid, card_type=card_type, status=CardStatus(status),
                 member_number=number, replaced_by=successor, issued_at=issued_at,
                 status_changed_at=changed_at)
        for card, uid, card_type, status, successor, issued_at, changed_at
        in run.all(q.CARDS_OF, {"member_id": member_id})
    )  # fmt: skip


def _points(
    run: StatementRunner, member_id: int, number: str, *, now: datetime, expiring_days: int
) -> PointsSummary:
    cumulative = run.one_or_none(q.CUMULATIVE, {"member_id": member_id})
    lots = run.all(q.LIVE_LOTS_BY_EXPIRY, {"member_id": member_id, "now": now})
    horizon = now + timedelta(days=expiring_days)
    return PointsSummary(
        member_number=number,
        valid=sum(int(points) for _, points in lots),
        cumulative=cumulative[0] if cumulative else 0,
        expiring_soon=tuple(
            ExpiringLot(int(points), expires_at) for expires_at, points in lots
            if expires_at <= horizon
        ),
    )  # fmt: skip


def _orders(run: StatementRunner, member_id: int, limit: int) -> tuple[OrderView, ...]:
    params = {"member_id": member_id, "limit": limit}
    lines: dict[int, list[OrderLineView]] = defaultdict(list)
    for order_id, *line in run.all(q.LINES_OF_LAST_ORDERS, params):
        lines[order_id].append(OrderLineView(*line))
    return tuple(
        OrderView(ref, ordered_at, total, channel, tuple(lines[order_id]))
        for order_id, ref, ordered_at, total, channel in run.all(q.LAST_ORDERS, params)
    )


def _calls(run: StatementRunner, member_id: int, limit: int) -> tuple[CallBrief, ...]:
    params = {"member_id": member_id, "limit": limit}
    links = call_links(
        run.all(q.ACTIVITIES_OF_LAST_CALLS, params), run.all(q.REQUESTS_OF_LAST_CALLS, params)
    )
    return tuple(
        CallBrief(linked_id, Direction(direction), caller, queue, agent, started_at, answered_at,
                  ended_at, talk_seconds, abandoned, code, note,
                  links.activities.get(call_id, ()), links.service_requests.get(call_id, ()))
        for (linked_id, direction, caller, queue, agent, started_at, answered_at, ended_at,
             talk_seconds, abandoned, code, note, call_id) in run.all(q.LAST_CALLS, params)
    )  # fmt: skip


def _requests(
    run: StatementRunner, member_id: int, number: str, limit: int
) -> tuple[RequestBrief, ...]:
    rows = run.all(q.OPEN_REQUESTS, {"member_id": member_id, "limit": limit})
    return tuple(
        RequestBrief(
            number=public_number("SR", row_id), subject=subject,
            request_type=RequestType(request_type), member_number=number, priority=priority,
            status=RequestStatus(status), queue=queue, owner=owner, created_at=created_at,
            resolution_due=due,
        )
        for row_id, subject, request_type, priority, status, queue, owner, created_at, due
        in rows
    )  # fmt: skip


def _assets(run: StatementRunner, member_id: int, number: str) -> tuple[AssetView, ...]:
    return tuple(
        AssetView(asset_id, number, *rest)
        for asset_id, *rest in run.all(q.ASSETS_OF, {"member_id": member_id})
    )


def _last_survey(run: StatementRunner, member_id: int) -> SurveyScore | None:
    rows = run.all(q.LAST_SURVEY, {"member_id": member_id})
    if not rows:
        return None
    items = [
        value for _, _, score, rating in rows for value in (score, rating) if value is not None
    ]
    code, completed_at = rows[0][0], rows[0][1]
    return SurveyScore(code, completed_at, response_score(items))


class Member360Service:
    """Reads the 360° view of a member."""

    def __init__(
        self, *, db: Database, clock: Clock = utcnow, expiring_days: int = 30,
        last_orders: int = 5, last_calls: int = 5, open_requests: int = 20,
    ) -> None:  # fmt: skip
        self._db = db
        self.clock = clock
        self.expiring_days = expiring_days
        self.last_orders = last_orders
        self.last_calls = last_calls
        self.open_requests = open_requests

    def read_in(self, run: StatementRunner, number: str) -> Member360:
        """The view, read with ``run`` (one snapshot)."""
        member_id, profile = _profile(run, number)
        return Member360(
            profile=profile,
            cards=_cards(run, member_id, number),
            points=_points(run, member_id, number, now=self.clock(),
                           expiring_days=self.expiring_days),
            last_orders=_orders(run, member_id, self.last_orders),
            open_requests=_requests(run, member_id, number, self.open_requests),
            last_calls=_calls(run, member_id, self.last_calls),
            last_survey=_last_survey(run, member_id),
            assets=_assets(run, member_id, number),
        )  # fmt: skip

    async def view(self, number: str) -> Member360:
        """The 360° view of the member with this number."""
        return await self._db.run_read(lambda run: self.read_in(run, number))
