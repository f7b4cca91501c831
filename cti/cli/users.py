"""``ctidesk users``: Staff: add, list, disable, change passwords."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from crm_core.errors import CrmError
from crm_core.staff.models import Role
from crm_core.staff.schemas import QueueMembership, UserView, queues_from_text
from crm_core.staff.services import UserService
from crm_core.wiring import Crm
from cti.cli.common import console, fail, read_secret, run_with_crm

app = typer.Typer(help="Staff: add, list, disable, change passwords.", no_args_is_help=True)
T = TypeVar("T")

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input: typed without echo on a terminal, "
        "or one line from a pipe.",
    ),
]


def _with_users(ctx: typer.Context, work: Callable[[UserService], Awaitable[T]]) -> T:
    def run(crm: Crm) -> Awaitable[T]:
        return work(crm.users)

    return run_with_crm(ctx, run)


def _queues(text: str | None) -> list[QueueMembership] | None:
    if text is None:
        return None
    try:
        return queues_from_text(text)
    except CrmError as error:
        fail(f"--queues: {error.message}")


def _describe(user: UserView) -> str:
    state = "[green]active[/]" if user.active else "[red]disabled[/]"
    password = "" if user.has_password else " [yellow](no password: cannot log in)[/]"
    return f"user [bold]{user.login}[/] ({user.display_name}, {user.role.value}) {state}{password}"


def _queue_list(user: UserView) -> str:
    return ", ".join(f"{m.queue}:{m.penalty}" for m in user.queues)


@app.command("add")
def add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name, e.g. li.na.")],
    role: Annotated[Role, typer.Option("--role", help="agent, supervisor or admin.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    extension: Annotated[str | None, typer.Option(help="Phone extension, e.g. 6001.")] = None,
    interface: Annotated[
        str | None, typer.Option(help="Phone interface for queues, e.g. PJSIP/6001.")
    ] = None,
    queues: Annotated[
        str | None,
        typer.Option(help="Queues and penalties, e.g. sales:0,support:2 (penalty 0 if omitted)."),
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user; without --password-stdin they cannot log in until `users passwd`."""
    memberships = _queues(queues)
    password = read_secret("Password", confirm=True) if password_stdin else None
    fields: dict[str, Any] = {
        "login": login,
        "display_name": name,
        "role": role,
        "extension": extension,
        "interface": interface,
        "queues": memberships or [],
    }
    user = _with_users(ctx, lambda users: users.add(fields, password=password))
    console.print(f"added {_describe(user)}")


@app.command("list")
def list_users(
    ctx: typer.Context,
    role: Annotated[Role | None, typer.Option("--role", help="Only this role.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Disabled users too.")] = False,
) -> None:
    """Users by login: role, extension, interface, queues."""
    users = _with_users(
        ctx, lambda service: service.list(role=role, active=None if show_all else True)
    )
    table = Table("login", "name", "role", "extension", "interface", "queues", "active")
    for user in users:
        table.add_row(
            user.login,
            user.display_name,
            user.role.value,
            user.extension or "",
            user.interface or "",
            _queue_list(user),
            "[green]yes[/]" if user.active else "[red]no[/]",
        )
    console.print(table)


@app.command("disable")
def disable(ctx: typer.Context, login: str) -> None:
    """Stop a user from logging in; their API tokens are revoked."""
    console.print(f"disabled {_describe(_with_users(ctx, lambda users: users.disable(login)))}")


@app.command("enable")
def enable(ctx: typer.Context, login: str) -> None:
    """Let a disabled user log in again."""
    console.print(f"enabled {_describe(_with_users(ctx, lambda users: users.enable(login)))}")


@app.command("passwd")
def passwd(ctx: typer.Context, login: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (prompted without echo); their API tokens are revoked."""
    if not password_stdin and not sys.stdin.isatty():
        fail("no terminal to ask for the password on: use --password-stdin")
    password = read_secret("Password", confirm=True)
    user = _with_users(ctx, lambda users: users.set_password(login, password))
    console.print(f"password set for {_describe(user)}")
