"""``ctidesk points``: rules, postings, expiry, the ledger and statistics."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from crm_core.loyalty.models import BonusEvent, Operation
from crm_core.loyalty.schemas import Posting, RuleView
from crm_core.wiring import Crm
from cti.cli.common import console, fail, run_with_crm

app = typer.Typer(
    help="Loyalty points: rules, grants, redemption, expiry, ledger, statistics.",
    no_args_is_help=True,
)
rules_app = typer.Typer(
    help="Points rules (积分规则) and their validity windows.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")

Operator = Annotated[str, typer.Option("--operator", "-o", help="Who does this (login).")]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Idempotency key: retrying with the same key changes nothing. "
        "A fresh one is made when omitted.",
    ),
]
From = Annotated[str | None, typer.Option("--from", help="Valid from (YYYY-MM-DD, UTC); today.")]
To = Annotated[str | None, typer.Option("--to", help="Valid until, exclusive (YYYY-MM-DD).")]


def _day(text: str | None, default: datetime | None = None) -> datetime | None:
    if text is None:
        return default
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        fail(f"{text!r} is not a date (YYYY-MM-DD)")


def _today() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)


def _print_posting(posting: Posting) -> None:
    again = " [yellow](already posted: nothing changed)[/]" if posting.replayed else ""
    console.print(
        f"[green]{posting.operation.value}[/] {posting.points:+,} points for "
        f"{posting.member_number}: valid [bold]{posting.valid_after:,}[/], "
        f"cumulative {posting.cumulative_after:,}{again}"
    )


def _key(key: str | None) -> str:
    return key or f"cli:{uuid.uuid4()}"


@app.command("balance")
def balance(
    ctx: typer.Context,
    member: str,
    days: Annotated[int, typer.Option(help="Warn of points expiring within.")] = 30,
) -> None:
    """Valid and cumulative points of a member, and what expires soon."""
    summary = run_with_crm(ctx, lambda crm: crm.points.summary(member, expiring_within_days=days))
    console.print(
        f"[bold]{member}[/]: valid [bold green]{summary.valid:,}[/] · "
        f"cumulative {summary.cumulative:,}"
    )
    for lot in summary.expiring_soon:
        console.print(f"  [yellow]{lot.points:,} expire on {lot.expires_at:%Y-%m-%d}[/]")


@app.command("gift")
def gift(
    ctx: typer.Context,
    member: str,
    points: int,
    operator: Operator,
    reason: Annotated[str, typer.Option(help="Why (required).")],
    key: Key = None,
) -> None:
    """Give points as a gift (赠送)."""
    _print_posting(
        run_with_crm(
            ctx,
            lambda crm: crm.points.gift(
                member, points, reason=reason, operator=operator, idempotency_key=_key(key)
            ),
        )
    )


@app.command("adjust")
def adjust(
    ctx: typer.Context,
    member: str,
    delta: Annotated[int, typer.Argument(help="Points to add (negative to take).")],
    operator: Operator,
    reason: Annotated[str, typer.Option(help="Why (required).")],
    key: Key = None,
) -> None:
    """Correct a member's points by hand, up or down."""
    _print_posting(
        run_with_crm(
            ctx,
            lambda crm: crm.points.adjust(
                member, delta, reason=reason, operator=operator, idempotency_key=_key(key)
            ),
        )
    )


@app.command("redeem")
def redeem(
    ctx: typer.Context,
    member: str,
    points: int,
    operator: Operator,
    item: Annotated[str, typer.Option(help="What the points buy.")],
    key: Key = None,
) -> None:
    """Redeem valid points (积分兑换), soonest-expiring first."""
    _print_posting(
        run_with_crm(
            ctx,
            lambda crm: crm.points.redeem(
                member, points, item=item, operator=operator, idempotency_key=_key(key)
            ),
        )
    )


@app.command("expire")
def expire(ctx: typer.Context) -> None:
    """Expire every lot past its expiry date (清零); safe to run at any time."""
    with Progress(
        TextColumn("expiring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("members"),
        console=console,
    ) as progress:
        task = progress.add_task("expire", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = run_with_crm(ctx, lambda crm: crm.points.expire(progress=step))
    console.print(
        f"[green]expired {report.points:,} points[/] in {report.lots:,} lots "
        f"of {report.members:,} members"
    )


@app.command("ledger")
def ledger(
    ctx: typer.Context,
    member: Annotated[str | None, typer.Argument(help="Member number (all if omitted).")] = None,
    since: Annotated[str | None, typer.Option(help="From date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Until date, exclusive.")] = None,
    operation: Annotated[Operation | None, typer.Option(help="Only this operation.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """The points ledger (积分明细), newest first."""
    lines = run_with_crm(
        ctx,
        lambda crm: crm.reports.ledger(
            member_number=member,
            since=_day(since),
            until=_day(until),
            operation=operation,
            limit=limit,
        ),
    )
    table = Table(
        "date",
        "member",
        "operation",
        "order",
        "rule / reason",
        "points",
        "valid",
        "cumulative",
        "operator",
        title="points ledger",
    )
    for line in lines:
        colour = "green" if line.points > 0 else "red"
        table.add_row(
            f"{line.created_at:%Y-%m-%d %H:%M}",
            line.member_number,
            line.operation.value,
            line.order_ref or "",
            line.rule or line.item or line.reason or "",
            f"[{colour}]{line.points:+,}[/]",
            f"{line.valid_after:,}",
            f"{line.cumulative_after:,}",
            line.operator,
        )
    console.print(table)


def _bar(value: int, largest: int, width: int = 24) -> str:
    return "█" * round(width * value / largest) if largest else ""


@app.command("stats")
def stats(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="From date; a year ago.")] = None,
    until: Annotated[str | None, typer.Option(help="Until date, exclusive; tomorrow.")] = None,
    period: Annotated[str, typer.Option(help="day, month or year.")] = "month",
) -> None:
    """Points issued, redeemed and expired per period and by member level, as charts."""
    if period not in ("day", "month", "year"):
        fail("period must be day, month or year")
    chosen: Literal["day", "month", "year"] = period  # type: ignore[assignment]
    start = _day(since, _today() - timedelta(days=365))
    end = _day(until, _today() + timedelta(days=1))
    assert start is not None
    assert end is not None
    result = run_with_crm(
        ctx, lambda crm: crm.reports.statistics(since=start, until=end, period=chosen)
    )
    largest = max([max(p.issued, p.redeemed, p.expired) for p in result.periods] or [0])
    table = Table(
        "period", "issued", "", "redeemed", "", "expired", "", title=f"points per {period}"
    )
    for p in result.periods:
        table.add_row(
            p.period,
            f"{p.issued:,}",
            f"[green]{_bar(p.issued, largest)}[/]",
            f"{p.redeemed:,}",
            f"[cyan]{_bar(p.redeemed, largest)}[/]",
            f"{p.expired:,}",
            f"[red]{_bar(p.expired, largest)}[/]",
        )
    console.print(table)
    levels = Table(
        "level", "issued", "redeemed", "expired", "adjusted down", title="by member level"
    )
    for level, figures in result.by_level.items():
        levels.add_row(
            "★" * level,
            f"{figures.issued:,}",
            f"{figures.redeemed:,}",
            f"{figures.expired:,}",
            f"{figures.adjusted_down:,}",
        )
    console.print(levels)
    if result.redemption_mix:
        mix = Table("redeemed for", "points", "", title="redemption mix")
        top = max(result.redemption_mix.values())
        for item, points in result.redemption_mix.items():
            mix.add_row(item, f"{points:,}", f"[cyan]{_bar(points, top)}[/]")
        console.print(mix)


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Verify valid balance = open lots = ledger sum for every member (exit 1 if not)."""
    problems = run_with_crm(ctx, lambda crm: crm.points.check_invariants())
    if not problems:
        console.print("[green]every account agrees with its lots and its ledger[/]")
        return
    table = Table(
        "member",
        "account valid",
        "lots",
        "ledger",
        "cumulative",
        "grants",
        title="[red]accounts that disagree[/]",
    )
    for p in problems:
        table.add_row(
            p.member_number,
            str(p.account_valid),
            str(p.lots_remaining),
            str(p.entries_sum),
            str(p.account_cumulative),
            str(p.grants_minus_corrections),
        )
    console.print(table)
    raise typer.Exit(1)


# -- rules ------------------------------------------------------------------------------
def _define(ctx: typer.Context, body: dict[str, object], actor: str) -> None:
    async def work(crm: Crm) -> RuleView:
        return await crm.rules.define(body, actor=actor)

    rule = run_with_crm(ctx, work)
    console.print(f"[green]rule {rule.rule_id} defined:[/] {rule.name}")


@rules_app.command("list")
def rules_list(ctx: typer.Context) -> None:
    """Every rule with its window."""
    rules = run_with_crm(ctx, lambda crm: crm.rules.list())
    table = Table(
        "id", "kind", "name", "applies to", "points", "valid from", "valid to", title="points rules"
    )
    for r in rules:
        target = (
            f"order ≥ {Decimal(r.threshold_cents or 0) / 100:,.2f}"
            if r.threshold_cents is not None
            else r.product_code or r.category or (r.event.value if r.event else "")
        )
        formula = f"{r.offset_points:,}" if r.event else f"× {r.multiplier} + {r.offset_points:,}"
        table.add_row(
            str(r.rule_id),
            r.kind.value,
            r.name,
            target,
            formula,
            f"{r.valid_from:%Y-%m-%d}",
            f"{r.valid_to:%Y-%m-%d}" if r.valid_to else "open",
        )
    console.print(table)


@rules_app.command("add-tier")
def add_tier(
    ctx: typer.Context,
    name: str,
    threshold: Annotated[Decimal, typer.Option(help="Order amount from (yuan).")],
    multiplier: Annotated[Decimal, typer.Option(help="Points per yuan.")] = Decimal(1),
    offset: Annotated[int, typer.Option(help="Points added.")] = 0,
    valid_from: From = None,
    valid_to: To = None,
    actor: Annotated[str, typer.Option(help="Who defines it.")] = "admin",
) -> None:
    """Order-amount tier: amount ≥ threshold → amount × multiplier + offset."""
    _define(
        ctx,
        {
            "kind": "order_amount",
            "name": name,
            "threshold": threshold,
            "multiplier": multiplier,
            "offset_points": offset,
            "valid_from": _day(valid_from, _today()),
            "valid_to": _day(valid_to),
        },
        actor,
    )


@rules_app.command("add-line")
def add_line(
    ctx: typer.Context,
    name: str,
    product: Annotated[str | None, typer.Option(help="Product code.")] = None,
    category: Annotated[str | None, typer.Option(help="Product category.")] = None,
    multiplier: Annotated[Decimal, typer.Option(help="Extra points per yuan.")] = Decimal(1),
    offset: Annotated[int, typer.Option(help="Extra points per line.")] = 0,
    valid_from: From = None,
    valid_to: To = None,
    actor: Annotated[str, typer.Option(help="Who defines it.")] = "admin",
) -> None:
    """Order-line bonus for one product or one category."""
    _define(
        ctx,
        {
            "kind": "order_line",
            "name": name,
            "product_code": product,
            "category": category,
            "multiplier": multiplier,
            "offset_points": offset,
            "valid_from": _day(valid_from, _today()),
            "valid_to": _day(valid_to),
        },
        actor,
    )


@rules_app.command("add-event")
def add_event(
    ctx: typer.Context,
    name: str,
    event: BonusEvent,
    points: int,
    valid_from: From = None,
    valid_to: To = None,
    actor: Annotated[str, typer.Option(help="Who defines it.")] = "admin",
) -> None:
    """Fixed bonus for registration, referral or a new organisation member."""
    _define(
        ctx,
        {
            "kind": "event",
            "name": name,
            "event": event,
            "offset_points": points,
            "valid_from": _day(valid_from, _today()),
            "valid_to": _day(valid_to),
        },
        actor,
    )


@rules_app.command("end")
def end_rule(
    ctx: typer.Context,
    rule_id: int,
    at: Annotated[str | None, typer.Option(help="End date; now.")] = None,
) -> None:
    """Close a rule's validity window."""
    rule = run_with_crm(ctx, lambda crm: crm.rules.end(rule_id, at=_day(at)))
    console.print(f"[green]rule {rule.rule_id} ends {rule.valid_to:%Y-%m-%d %H:%M}[/]")
