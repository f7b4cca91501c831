"""Reading the ledger: the 积分明细 query and points statistics per period and level."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.errors import InvalidInputError
from crm_core.loyalty.models import Operation, PointsEntry, PointsRule
from crm_core.loyalty.schemas import LedgerLine, PeriodFigures, PointsStatistics
from crm_core.members.models import Member
from crm_core.orders.models import Order

Period = Literal["day", "month", "year"]
PERIOD_FORMAT: dict[str, str] = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
ISSUED = {Operation.EARN, Operation.BONUS, Operation.GIFT}
MAX_LEDGER_ROWS = 10_000
_ENTRIES = PointsEntry.__table__
_MEMBERS = Member.__table__
LAST_ENTRIES = (
    select(_ENTRIES.c.created_at, _ENTRIES.c.points)
    .join(_MEMBERS, _MEMBERS.c.id == _ENTRIES.c.member_id)
    .where(_MEMBERS.c.number == bindparam("number"))
    .order_by(_ENTRIES.c.created_at.desc(), _ENTRIES.c.id.desc())
    .limit(bindparam("limit"))
)


class _Figures:
    def __init__(self) -> None:
        self.issued = self.redeemed = self.expired = self.adjusted_down = 0

    def add(self, operation: Operation, points: int) -> None:
        if operation in ISSUED or (operation is Operation.ADJUST and points > 0):
            self.issued += points
        elif operation is Operation.REDEEM:
            self.redeemed -= points
        elif operation is Operation.EXPIRE:
            self.expired -= points
        else:
            self.adjusted_down -= points

    def frozen(self, period: str) -> PeriodFigures:
        return PeriodFigures(period, self.issued, self.redeemed, self.expired, self.adjusted_down)


class PointsReports:
    """Read-only questions about the ledger."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def last_entries(self, member_number: str, limit: int = 3) -> list[tuple[datetime, int]]:
        """(date, points) of a member's last ledger lines, newest first: one fast read
        (the IVR reads them out while the caller waits)."""
        if not 1 <= limit <= MAX_LEDGER_ROWS:
            raise InvalidInputError(f"limit must be 1 to {MAX_LEDGER_ROWS}", limit=limit)

        def read(run: StatementRunner) -> list[tuple[datetime, int]]:
            rows = run.all(LAST_ENTRIES, {"number": member_number, "limit": limit})
            return [(created_at, points) for created_at, points in rows]

        return await self._db.run_read(read)

    async def ledger(
        self,
        *,
        member_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        operation: Operation | None = None,
        limit: int = 200,
    ) -> list[LedgerLine]:
        """Ledger lines, newest first, filtered by member, time ``[since, until)`` and operation."""
        if not 1 <= limit <= MAX_LEDGER_ROWS:
            raise InvalidInputError(f"limit must be 1 to {MAX_LEDGER_ROWS}", limit=limit)
        rule = aliased(PointsRule)
        query = (
            select(PointsEntry, Member.number, Order.order_ref, rule.name)
            .join(Member, Member.id == PointsEntry.member_id)
            .outerjoin(Order, Order.id == PointsEntry.order_id)
            .outerjoin(rule, rule.id == PointsEntry.rule_id)
            .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
            .limit(limit)
        )
        if member_number is not None:
            query = query.where(Member.number == member_number)
        if since is not None:
            query = query.where(PointsEntry.created_at >= since)
        if until is not None:
            query = query.where(PointsEntry.created_at < until)
        if operation is not None:
            query = query.where(PointsEntry.operation == operation)
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return [
            LedgerLine(
                entry_id=entry.id,
                created_at=entry.created_at,
                member_number=number,
                operation=entry.operation,
                order_ref=order_ref,
                rule=entry.rule_detail or rule_name,
                points=entry.points,
                valid_after=entry.valid_after,
                cumulative_after=entry.cumulative_after,
                operator=entry.operator,
                reason=entry.reason,
                item=entry.item,
            )
            for entry, number, order_ref, rule_name in rows
        ]

    async def statistics(
        self, *, since: datetime, until: datetime, period: Period = "month"
    ) -> PointsStatistics:
        """Issued, redeemed, expired per period and per member level, and the redemption mix."""
        if until <= since:
            raise InvalidInputError("the end of the range must be after its start")
        if period not in PERIOD_FORMAT:
            raise InvalidInputError(f"period must be one of {sorted(PERIOD_FORMAT)}")
        query = (
            select(
                PointsEntry.created_at,
                PointsEntry.operation,
                PointsEntry.points,
                PointsEntry.level_at_posting,
                PointsEntry.item,
            )
            .where(PointsEntry.created_at >= since, PointsEntry.created_at < until)
            .execution_options(yield_per=5000)
        )
        per_period: dict[str, _Figures] = defaultdict(_Figures)
        per_level: dict[int, _Figures] = defaultdict(_Figures)
        mix: dict[str, int] = defaultdict(int)
        fmt = PERIOD_FORMAT[period]
        async with self._db.read() as session:
            async for created_at, operation, points, level, item in await session.stream(query):
                per_period[created_at.strftime(fmt)].add(operation, points)
                per_level[level].add(operation, points)
                if operation is Operation.REDEEM:
                    mix[item or "(unspecified)"] -= points
        return PointsStatistics(
            periods=tuple(per_period[key].frozen(key) for key in sorted(per_period)),
            by_level={
                level: per_level[level].frozen(f"level {level}") for level in sorted(per_level)
            },
            redemption_mix=dict(sorted(mix.items(), key=lambda kv: -kv[1])),
        )
