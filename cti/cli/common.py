"""What every sub-command shares: the console, the settings, CRM access and error output."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from crm_core.errors import CrmError
from crm_core.wiring import Crm, build_crm
from cti.settings import Settings

T = TypeVar("T")
console = Console()
error_console = Console(stderr=True)


@dataclass
class AppContext:
    """The object Typer passes to every command."""

    settings: Settings

    def crm(self) -> Crm:
        """CRM services over the configured database."""
        return build_crm(
            database_url=self.settings.database.connect_url(),
            default_region=self.settings.phone.default_region,
            points_validity_days=self.settings.loyalty.points_validity_days,
            token_ttl=timedelta(hours=self.settings.api.token_ttl_hours),
            token_idle_timeout=self.settings.logins.idle_timeout(),
            login_throttle=self.settings.logins.throttle_policy(),
            hashing=self.settings.logins.hashing(),
            echo=self.settings.database.echo,
        )


def app_context(ctx: typer.Context) -> AppContext:
    """The :class:`AppContext` of the running command."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error in red and exit with ``code``."""
    error_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def run_with_crm(ctx: typer.Context, work: Callable[[Crm], Awaitable[T]]) -> T:
    """Run ``work`` with CRM services, turning business errors into a clear message."""

    async def runner() -> T:
        crm = app_context(ctx).crm()
        try:
            return await work(crm)
        finally:
            await crm.close()

    try:
        return asyncio.run(runner())
    except DBAPIError as error:
        if "no such table" in str(error.orig) or "does not exist" in str(error.orig):
            fail("the database has no CRM schema yet: run `ctidesk db upgrade` first")
        fail(f"database error: {error.orig}")
    except CrmError as error:
        details = ", ".join(f"{k}={v}" for k, v in error.details.items() if k != "problems")
        fail(
            f"{error.message}"
            + (
                f" [dim]({error.error_id}; {details})[/]"
                if details
                else f" [dim]({error.error_id})[/]"
            )
        )


def read_secret(what: str, *, confirm: bool) -> str:
    """A password or PIN from stdin: prompted without echo on a terminal, else one line."""
    if sys.stdin.isatty():
        secret = getpass.getpass(f"{what}: ")
        if confirm and getpass.getpass(f"{what} again: ") != secret:
            fail(f"the two {what.lower()}s differ")
    else:
        secret = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not secret:
        fail(f"no {what.lower()} given on standard input")
    return secret
