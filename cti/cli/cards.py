"""``ctidesk cards``: the life cycle of member cards."""

from __future__ import annotations

import os
import threading
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from crm_core.members.schemas import CardView
from cti.cli.common import app_context, console, fail, read_secret, run_with_crm
from cti.cli.tui import PASSWORD_ENV

app = typer.Typer(
    help="Member cards: issue, bind, lost, replace, cancel, show; watch a desk's readers.",
    no_args_is_help=True,
)

Actor = Annotated[str, typer.Option("--actor", "-a", help="Who does this (login).")]
STATUS_COLOUR = {
    "active": "green",
    "issued": "cyan",
    "lost": "yellow",
    "replaced": "dim",
    "cancelled": "red",
}


def _print(card: CardView) -> None:
    colour = STATUS_COLOUR.get(card.status.value, "white")
    owner = f" → member {card.member_number}" if card.member_number else ""
    successor = f" (replaced by {card.replaced_by})" if card.replaced_by else ""
    console.print(
        f"card [bold]{card.card_number}[/] chip {card.chip_uid} "
        f"[{colour}]{card.status.value}[/]{owner}{successor}"
    )


@app.command("issue")
def issue(
    ctx: typer.Context,
    card_number: str,
    chip_uid: str,
    actor: Actor,
    card_type: Annotated[str | None, typer.Option("--type", help="Card type code.")] = None,
) -> None:
    """Issue a new, unbound card."""
    _print(
        run_with_crm(
            ctx,
            lambda crm: crm.cards.issue(card_number, chip_uid, card_type=card_type, actor=actor),
        )
    )


@app.command("bind")
def bind(ctx: typer.Context, card_number: str, member: str, actor: Actor) -> None:
    """Register an issued card to a member; it becomes active."""
    _print(run_with_crm(ctx, lambda crm: crm.cards.bind(card_number, member, actor=actor)))


@app.command("lost")
def lost(
    ctx: typer.Context,
    card_number: str,
    actor: Actor,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Report a card lost: it stops identifying its member."""
    _print(
        run_with_crm(ctx, lambda crm: crm.cards.report_lost(card_number, actor=actor, note=note))
    )


@app.command("replace")
def replace(
    ctx: typer.Context, card_number: str, new_card_number: str, new_chip_uid: str, actor: Actor
) -> None:
    """Replace a card: the old one stops working, the member and points stay."""
    _print(
        run_with_crm(
            ctx,
            lambda crm: crm.cards.replace(card_number, new_card_number, new_chip_uid, actor=actor),
        )
    )


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    card_number: str,
    actor: Actor,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Cancel a card for good."""
    _print(run_with_crm(ctx, lambda crm: crm.cards.cancel(card_number, actor=actor, note=note)))


@app.command("show")
def show(
    ctx: typer.Context,
    card_number: Annotated[str | None, typer.Argument(help="Printed card number.")] = None,
    uid: Annotated[str | None, typer.Option(help="Chip UID instead.")] = None,
) -> None:
    """Show a card by number or chip UID."""
    if (card_number is None) == (uid is None):
        fail("give a card number or --uid")
    _print(run_with_crm(ctx, lambda crm: crm.cards.lookup(number=card_number, uid=uid)))


@app.command("of")
def cards_of(ctx: typer.Context, member: str) -> None:
    """Every card a member has had."""
    cards = run_with_crm(ctx, lambda crm: crm.cards.cards_of(member))
    table = Table(
        "card", "chip UID", "type", "status", "replaced by", "since", title=f"cards of {member}"
    )
    for card in cards:
        colour = STATUS_COLOUR.get(card.status.value, "white")
        table.add_row(
            card.card_number,
            card.chip_uid,
            card.card_type or "",
            f"[{colour}]{card.status.value}[/]",
            card.replaced_by or "",
            f"{card.status_changed_at:%Y-%m-%d}",
        )
    console.print(table)


@app.command("watch")
def watch(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", "-u", help="Login of the desk's user.")],
    url: Annotated[
        str | None,
        typer.Option("--url", help="The service's address (default: from the settings)."),
    ] = None,
) -> None:
    """Watch this desk's card readers: each card tapped pops its member on USER's consoles.

    Needs pcscd and pyscard (scripts/setup.sh --with-cards). The password comes from
    CTIDESK_CONSOLE_PASSWORD, else it is asked for. Stops with Ctrl-C.
    """
    try:
        from card_agent.api import CardApi, TapRefused
        from card_agent.watch import watcher_for
    except ImportError as error:  # pyscard is the optional 'cards' extra
        fail(f"the card watcher needs pyscard (pip install 'ctidesk[cards]'): {error}")
    api_settings = app_context(ctx).settings.api
    address = url or f"http://{api_settings.host}:{api_settings.port}"
    password = os.environ.pop(PASSWORD_ENV, None) or read_secret("Password", confirm=False)
    api = CardApi(address, user, password)
    try:
        api.log_in()
    except TapRefused as error:
        api.close()
        fail(f"cannot log in as {user}: {error}")
    console.print(f"watching the card readers for {escape(user)} at {escape(address)}")
    watcher = watcher_for(api, lambda line: console.print(escape(line))).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        api.close()
