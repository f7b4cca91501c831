"""``ctidesk db``: schema migrations, demo data and a summary of what is in the database."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Executable, case, func, select

from crm_core.db.migrate import current_revision, head_revision, upgrade
from crm_core.io.bulk import BulkSummary, seed_bulk
from crm_core.io.demo import DEMO_SEED, DemoSummary, seed_demo
from crm_core.io.demo_desk import DEMO_PIN, DeskSummary, seed_demo_desk
from crm_core.loyalty.models import PointsAccount, PointsEntry, PointsLot, RuleKind
from crm_core.loyalty.schemas import RuleView
from crm_core.members.models import Member, MemberCard, MemberType
from crm_core.orders.models import Order, OrderLine
from crm_core.wiring import Crm
from cti.cli.common import app_context, console, fail, run_with_crm

app = typer.Typer(help="The CRM database: migrations, demo data, summary.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Migrate the database to the newest schema (creates it when missing)."""
    url = app_context(ctx).settings.database.connect_url()
    with console.status("Migrating the database…"):
        asyncio.run(upgrade(url))
    console.print(f"[green]Database is at revision {head_revision()}[/] ({_safe(url)})")


@app.command("status")
def status_command(ctx: typer.Context) -> None:
    """Show the database's schema revision and the newest one in the code."""
    url = app_context(ctx).settings.database.connect_url()
    current = asyncio.run(current_revision(url))
    head = head_revision()
    state = "[green]up to date[/]" if current == head else "[yellow]needs `ctidesk db upgrade`[/]"
    console.print(f"database {_safe(url)}: revision {current or '(empty)'}, code {head} — {state}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("seed")
def seed_command(
    ctx: typer.Context,
    demo: Annotated[
        bool, typer.Option("--demo", help="The realistic demo set (200 members, two years).")
    ] = False,
    members: Annotated[
        int | None,
        typer.Option(
            "--members",
            min=1,
            help="How many members: the demo's size with --demo, else plain bulk members.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = DEMO_SEED,
) -> None:
    """Load demo data (--demo) or many plain members for load tests (--members N)."""
    if not demo and members is None:
        fail("say what to load: --demo (the demo set) or --members N (plain bulk members)")
    _require_schema(app_context(ctx).settings.database.connect_url())
    started = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=40),
        MofNCompleteColumn(),
        TextColumn("·"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        what = "Replaying two years of demo history" if demo else "Loading members"
        task = bar.add_task(what, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if demo:
            size = members or 200

            async def load_demo(crm: Crm) -> tuple[DemoSummary, DeskSummary]:
                # History ends today (09:00 UTC), so the demo's points are current.
                today = datetime.combine(datetime.now(UTC).date(), clock_time(9), tzinfo=UTC)
                summary = await seed_demo(crm, members=size, seed=seed, now=today, progress=report)
                async with crm.db.read() as session:
                    numbers = list(await session.scalars(select(Member.number)))
                desk = await seed_demo_desk(crm, members=numbers, now=today)
                return summary, desk

            summary, desk = run_with_crm(ctx, load_demo)
        else:
            assert members is not None
            count = members

            async def load_bulk(crm: Crm) -> BulkSummary:
                return await seed_bulk(crm, members=count, seed=seed, progress=report)

            bulk = run_with_crm(ctx, load_bulk)
    seconds = time.perf_counter() - started
    if demo:
        console.print(_demo_table(summary, seconds))
        console.print(
            f"call centre: {desk.staff} staff (demo.agent, demo.agent2, demo.engineer, "
            f"demo.sup), {desk.calls} calls, {desk.requests} service requests, "
            f"{desk.articles} knowledge-base articles; IVR PIN {DEMO_PIN} for "
            f"{', '.join(desk.pin_members)}"
        )
        console.print("Next: [bold]ctidesk db summary[/] shows what is in the database.")
    else:
        console.print(
            f"[green]Loaded {bulk.members:,} members[/] {bulk.first_number} … "
            f"{bulk.last_number} in {seconds:.1f} s "
            f"({bulk.members / max(bulk.seconds, 1e-9):,.0f} members/s)"
        )


def _demo_table(summary: DemoSummary, seconds: float) -> Table:
    table = Table(
        title=f"Demo data loaded in {seconds:.1f} s", title_style="bold green", show_header=False
    )
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row(
        "members",
        f"{summary.members:,} ({summary.individuals:,} people, "
        f"{summary.organisations:,} organisations)",
    )
    table.add_row(
        "cards",
        f"{summary.cards:,} ({summary.cards_lost} lost, {summary.cards_replaced} replaced)",
    )
    table.add_row("orders", f"{summary.orders:,} · {_yuan(summary.revenue_cents)}")
    table.add_row("points issued", f"{summary.points_issued:,}")
    table.add_row("points redeemed", f"{summary.points_redeemed:,}")
    table.add_row("points expired", f"{summary.points_expired:,}")
    table.add_row("points rules", f"{summary.rules}")
    return table


@app.command("summary")
def summary_command(ctx: typer.Context) -> None:
    """What is in the database: members, cards, orders, points and the rules in force."""
    url = app_context(ctx).settings.database.connect_url()
    _require_schema(url)
    facts = run_with_crm(ctx, _read_facts)
    console.print(_render(facts, _safe(url)))


def _require_schema(url: str) -> None:
    current = asyncio.run(current_revision(url))
    if current != head_revision():
        fail(
            f"the database {_safe(url)} is at revision {current or '(empty)'}, the code at "
            f"{head_revision()}: run [bold]ctidesk db upgrade[/] first"
        )


@dataclass(frozen=True)
class _Facts:
    """Everything ``db summary`` shows, read in one go."""

    now: datetime
    members: dict[tuple[int, str], int]  # (level, kind) → members
    types: list[tuple[str | None, str | None, int]]  # code, name, members
    cards: dict[str, int]
    orders: int
    revenue_cents: int
    first_order: datetime | None
    last_order: datetime | None
    categories: list[tuple[str, int, int]]  # category, orders, cents
    valid: int
    cumulative: int
    members_with_points: int
    expiring_soon: int
    ledger: list[tuple[str, int, int]]  # operation, entries, points
    rules: list[RuleView]
    rules_defined: int


async def _read_facts(crm: Crm) -> _Facts:
    now = crm.points.clock()
    async with crm.db.read() as session:

        async def rows(query: Executable) -> list[Any]:
            return list((await session.execute(query)).all())

        by_level = select(Member.level, Member.kind, func.count()).group_by(
            Member.level, Member.kind
        )
        by_type = (
            select(Member.member_type, MemberType.name, func.count())
            .outerjoin(MemberType, MemberType.code == Member.member_type)
            .group_by(Member.member_type, MemberType.name)
            .order_by(func.count().desc())
        )
        orders = select(
            func.count(),
            func.coalesce(func.sum(Order.total_cents), 0),
            func.min(Order.ordered_at),
            func.max(Order.ordered_at),
        )
        categories = (
            select(
                OrderLine.category,
                func.count(func.distinct(OrderLine.order_id)),
                func.sum(OrderLine.amount_cents),
            )
            .group_by(OrderLine.category)
            .order_by(func.sum(OrderLine.amount_cents).desc())
        )
        balances = select(
            func.coalesce(func.sum(PointsAccount.valid), 0),
            func.coalesce(func.sum(PointsAccount.cumulative), 0),
            func.coalesce(func.sum(case((PointsAccount.valid > 0, 1), else_=0)), 0),
        )
        expiring = select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
            PointsLot.expires_at <= now + timedelta(days=EXPIRING_DAYS),
        )
        ledger = (
            select(PointsEntry.operation, func.count(), func.sum(PointsEntry.points))
            .group_by(PointsEntry.operation)
            .order_by(func.count().desc())
        )
        members = {(level, kind.value): count for level, kind, count in await rows(by_level)}
        cards = select(MemberCard.status, func.count()).group_by(MemberCard.status)
        card_counts = {status.value: count for status, count in await rows(cards)}
        order_count, revenue, first, last = (await rows(orders))[0]
        valid, cumulative, with_points = (await rows(balances))[0]
        soon = int(await session.scalar(expiring) or 0)
        ledger_rows = [(op.value, n, int(points or 0)) for op, n, points in await rows(ledger)]
        type_rows, category_rows = await rows(by_type), await rows(categories)
    return _Facts(
        now=now,
        members=members,
        types=type_rows,
        cards=card_counts,
        orders=int(order_count),
        revenue_cents=int(revenue),
        first_order=first,
        last_order=last,
        categories=[(c, int(n), int(cents or 0)) for c, n, cents in category_rows],
        valid=int(valid),
        cumulative=int(cumulative),
        members_with_points=int(with_points),
        expiring_soon=soon,
        ledger=ledger_rows,
        rules=await crm.rules.list(at=now),
        rules_defined=len(await crm.rules.list()),
    )


EXPIRING_DAYS = 30
CARD_STATUS = {
    "active": ("正常 active", "green"),
    "issued": ("未绑定 issued", "cyan"),
    "lost": ("挂失 lost", "red"),
    "replaced": ("已换卡 replaced", "yellow"),
    "cancelled": ("注销 cancelled", "dim"),
}
OPERATIONS = {
    "earn": "消费 earn",
    "bonus": "奖励 bonus",
    "gift": "赠送 gift",
    "adjust": "调整 adjust",
    "redeem": "兑换 redeem",
    "expire": "清零 expire",
}


def _yuan(cents: int) -> str:
    return f"¥{Decimal(cents).scaleb(-2):,.2f}"


def _stars(level: int) -> str:
    return f"[yellow]{'★' * level}[/][dim]{'☆' * (5 - level)}[/]"


def _signed(points: int) -> str:
    colour = "green" if points > 0 else "red" if points < 0 else "dim"
    return f"[{colour}]{points:+,}[/]"


def _members_table(facts: _Facts) -> Table:
    table = Table(title="会员 Members", title_style="bold", show_footer=True)
    kinds = ("individual", "organisation")
    totals = {kind: sum(n for (_, k), n in facts.members.items() if k == kind) for kind in kinds}
    table.add_column("level", footer="total")
    table.add_column("people", justify="right", footer=f"{totals['individual']:,}")
    table.add_column("organisations", justify="right", footer=f"{totals['organisation']:,}")
    table.add_column("all", justify="right", style="bold", footer=f"{sum(totals.values()):,}")
    for level in range(1, 6):
        counts = [facts.members.get((level, kind), 0) for kind in kinds]
        table.add_row(_stars(level), *(f"{n:,}" for n in counts), f"{sum(counts):,}")
    return table


def _types_table(facts: _Facts) -> Table:
    table = Table(title="会员类型 Member types", title_style="bold")
    table.add_column("type")
    table.add_column("members", justify="right")
    for code, name, count in facts.types:
        table.add_row(name or code or "[dim](none)[/]", f"{count:,}")
    return table


def _cards_table(facts: _Facts) -> Table:
    table = Table(title="会员卡 Cards", title_style="bold", show_footer=True)
    table.add_column("status", footer="total")
    table.add_column("cards", justify="right", footer=f"{sum(facts.cards.values()):,}")
    for status, (label, colour) in CARD_STATUS.items():
        if status in facts.cards:
            table.add_row(f"[{colour}]{label}[/]", f"{facts.cards[status]:,}")
    return table


def _orders_table(facts: _Facts) -> Table:
    table = Table(title="消费 Orders", title_style="bold", show_footer=True)
    table.add_column("category", footer="total")
    table.add_column("orders", justify="right", footer=f"{facts.orders:,}")
    table.add_column("revenue", justify="right", footer=_yuan(facts.revenue_cents))
    for category, orders, cents in facts.categories:
        table.add_row(category, f"{orders:,}", _yuan(cents))
    if facts.first_order and facts.last_order:
        average = _yuan(facts.revenue_cents // max(facts.orders, 1))
        table.caption = (
            f"{facts.first_order:%Y-%m-%d} … {facts.last_order:%Y-%m-%d}\naverage {average}"
        )
    return table


def _points_table(facts: _Facts) -> Table:
    table = Table(title="积分 Points", title_style="bold")
    table.add_column("")
    table.add_column("points", justify="right")
    table.add_row("有效 valid", f"[bold green]{facts.valid:,}[/]")
    table.add_row("累计 cumulative", f"{facts.cumulative:,}")
    table.add_row("members holding points", f"{facts.members_with_points:,}")
    table.add_row(f"expiring within {EXPIRING_DAYS} days", f"[yellow]{facts.expiring_soon:,}[/]")
    return table


def _ledger_table(facts: _Facts) -> Table:
    table = Table(title="积分明细 Ledger", title_style="bold", show_footer=True)
    table.add_column("operation", footer="total")
    table.add_column("entries", justify="right", footer=f"{sum(r[1] for r in facts.ledger):,}")
    table.add_column("points", justify="right", footer=_signed(sum(r[2] for r in facts.ledger)))
    for operation, entries, points in facts.ledger:
        table.add_row(OPERATIONS.get(operation, operation), f"{entries:,}", _signed(points))
    return table


def _rule_condition(rule: RuleView) -> tuple[str, str]:
    offset = f" +{rule.offset_points:,}" if rule.offset_points else ""
    formula = f"×{rule.multiplier.normalize():f}{offset}" if rule.multiplier else offset.strip()
    if rule.kind is RuleKind.ORDER_AMOUNT:
        return f"order ≥ {_yuan(rule.threshold_cents or 0)}", formula
    if rule.kind is RuleKind.ORDER_LINE:
        target = f"product {rule.product_code}" if rule.product_code else f"{rule.category}"
        return f"line: {target}", f"{formula} extra"
    return f"on {rule.event.value.replace('_', ' ') if rule.event else '?'}", formula


def _rules_table(facts: _Facts) -> Table:
    table = Table(title=f"积分规则 Rules in force on {facts.now:%Y-%m-%d}", title_style="bold")
    for name, justify in (("rule", "left"), ("when", "left"), ("points", "right"),
                          ("since", "left"), ("until", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rule in facts.rules:
        when, formula = _rule_condition(rule)
        until = f"{rule.valid_to:%Y-%m-%d}" if rule.valid_to else "[dim]—[/]"
        table.add_row(rule.name, when, f"[green]{formula}[/]", f"{rule.valid_from:%Y-%m-%d}", until)
    if (ended := facts.rules_defined - len(facts.rules)) > 0:
        table.caption = f"and {ended} rule(s) not in force today (ended or not yet started)"
    return table


def _render(facts: _Facts, url: str) -> RenderableType:
    header = Panel.fit(
        f"[bold]ctidesk CRM[/] · {url} · {facts.now:%Y-%m-%d %H:%M} UTC",
        border_style="cyan",
    )
    if not facts.members:
        return Group(header, "The database is empty: [bold]ctidesk db seed --demo[/] fills it.")
    return Group(
        header,
        Columns([_members_table(facts), _types_table(facts), _cards_table(facts)], padding=(1, 3)),
        Columns([_orders_table(facts), _points_table(facts), _ledger_table(facts)], padding=(1, 3)),
        _rules_table(facts),
    )
