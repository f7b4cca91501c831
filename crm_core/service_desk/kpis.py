"""Service KPIs: 1-hour response rate, 24-hour resolution rate and overdue requests,
in total, per queue and per owner, over the requests logged in a period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.service_desk.models import ServiceQueue, ServiceRequest
from crm_core.service_desk.sla import SlaFacts, missed_a_deadline
from crm_core.service_desk.views import KpiFigures, ServiceKpis
from crm_core.service_desk.workflow import RequestStatus
from crm_core.staff.models import User

RESPONSE_TARGET = timedelta(hours=1)
RESOLUTION_TARGET = timedelta(hours=24)
MAX_PERIOD = timedelta(days=400)
RATE_PLACES = Decimal("0.0001")


def _rate(hits: int, measured: int) -> Decimal | None:
    return None if measured == 0 else (Decimal(hits) / Decimal(measured)).quantize(RATE_PLACES)


@dataclass
class _Tally:
    requests: int = 0
    cancelled: int = 0
    response_measured: int = 0
    responded: int = 0
    resolution_measured: int = 0
    resolved: int = 0
    overdue: int = 0

    def add(self, facts: SlaFacts, now: datetime) -> None:
        if facts.status is RequestStatus.CANCELLED:
            self.cancelled += 1
            return
        self.requests += 1
        if facts.accepted_at is not None or now - facts.created_at >= RESPONSE_TARGET:
            self.response_measured += 1
            if facts.accepted_at is not None and (
                facts.accepted_at - facts.created_at <= RESPONSE_TARGET
            ):
                self.responded += 1
        if facts.resolved_at is not None or now - facts.created_at >= RESOLUTION_TARGET:
            self.resolution_measured += 1
            if facts.resolved_at is not None and (
                facts.resolved_at - facts.created_at <= RESOLUTION_TARGET
            ):
                self.resolved += 1
        if missed_a_deadline(facts, now):
            self.overdue += 1

    def figures(self, group: str | None) -> KpiFigures:
        return KpiFigures(
            group=group,
            requests=self.requests,
            cancelled=self.cancelled,
            response_measured=self.response_measured,
            responded_within_1h=self.responded,
            response_rate=_rate(self.responded, self.response_measured),
            resolution_measured=self.resolution_measured,
            resolved_within_24h=self.resolved,
            resolution_rate=_rate(self.resolved, self.resolution_measured),
            overdue=self.overdue,
        )


def kpi_figures(
    rows: Iterable[tuple[SlaFacts, str | None, str | None]], now: datetime
) -> tuple[KpiFigures, tuple[KpiFigures, ...], tuple[KpiFigures, ...]]:
    """Total, per-queue and per-owner figures of ``(facts, queue, owner)`` rows as of ``now``.

    Groups are sorted by name with the unassigned group (``None``) last.
    """
    total = _Tally()
    by_queue: dict[str | None, _Tally] = defaultdict(_Tally)
    by_owner: dict[str | None, _Tally] = defaultdict(_Tally)
    for facts, queue, owner in rows:
        for tally in (total, by_queue[queue], by_owner[owner]):
            tally.add(facts, now)

    def ordered(groups: dict[str | None, _Tally]) -> tuple[KpiFigures, ...]:
        keys = sorted(groups, key=lambda key: (key is None, key or ""))
        return tuple(groups[key].figures(key) for key in keys)

    return total.figures(None), ordered(by_queue), ordered(by_owner)


class ServiceKpiService:
    """The service desk's KPIs over a period."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def kpis(self, *, since: datetime, until: datetime) -> ServiceKpis:
        """KPIs of the requests logged in ``[since, until)``, measured as of the clock."""
        for value in (since, until):
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise InvalidInputError("since and until must be times with a time zone")
        if not timedelta(0) < until - since <= MAX_PERIOD:
            raise InvalidInputError(
                f"the period must be longer than zero and at most {MAX_PERIOD.days} days"
            )
        now = self.clock()
        owner = aliased(User)

        def read(session: Session) -> list[tuple[SlaFacts, str | None, str | None]]:
            query = (
                select(
                    ServiceRequest.status,
                    ServiceRequest.created_at,
                    ServiceRequest.response_due,
                    ServiceRequest.resolution_due,
                    ServiceRequest.accepted_at,
                    ServiceRequest.resolved_at,
                    ServiceQueue.name,
                    owner.login,
                )
                .outerjoin(ServiceQueue, ServiceQueue.id == ServiceRequest.queue_id)
                .outerjoin(owner, owner.id == ServiceRequest.owner_id)
                .where(ServiceRequest.created_at >= since, ServiceRequest.created_at < until)
            )
            return [(SlaFacts(*row[:6]), row[6], row[7]) for row in session.execute(query)]

        async with self._db.read() as session:
            rows = await session.run_sync(read)
        total, by_queue, by_owner = kpi_figures(rows, now)
        return ServiceKpis(
            since=since, until=until, as_of=now, total=total, by_queue=by_queue, by_owner=by_owner
        )
