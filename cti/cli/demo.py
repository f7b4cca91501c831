"""``ctidesk demo``: sandbox Asterisk, demo CRM, the service, demo calls and the console.

``--check`` runs the same stack headless, places calls, verifies the pops with
WebSocket clients, prints a summary and exits 0 (or 1 when anything failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import sys
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cti.cli.common import app_context, console, fail
from cti.cli.tui import PASSWORD_ENV
from cti.demo import CheckReport, DemoStack, run_check
from cti.sandbox import NeedsRootError, SandboxError
from cti.settings import Settings


def demo(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Headless: place calls, verify the pops, exit 0/1.")
    ] = False,
    calls: Annotated[int, typer.Option("--calls", min=1, max=50, help="Calls to check.")] = 6,
    every: Annotated[
        float, typer.Option("--every", min=2.0, help="Seconds between demo calls.")
    ] = 20.0,
) -> None:
    """Run the demo call centre and open the console signed in as demo.agent."""
    settings = app_context(ctx).settings
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if check:
            _check(settings, calls)
        else:
            _interactive(settings, every)
    except NeedsRootError as error:
        fail(str(error))
    except SandboxError as error:
        fail(f"the sandbox Asterisk did not start: {error}")


def _check(settings: Settings, calls: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ctidesk-demo-check-") as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'demo.db'}"
        checked = settings.model_copy(
            update={
                "database": settings.database.model_copy(update={"url": url}),
                # Any free port: a check must not clash with a service already running.
                "agi": settings.agi.model_copy(update={"port": 0}),
            }
        )
        stack = DemoStack(checked, members=60, api_port=0, agents=("demo.agent",),
                          progress=console.print)  # fmt: skip

        async def run() -> CheckReport:
            await stack.start()
            try:
                return await run_check(stack, calls=calls)
            finally:
                await stack.stop()

        report = asyncio.run(run())
    console.print(_summary(report))
    if not report.ok:
        fail("demo check FAILED", code=1)
    console.print(f"[green]demo check passed: {len(report.calls)} calls popped correctly[/]")


def _summary(report: CheckReport) -> Table:
    table = Table(title="ctidesk demo --check")
    for column in ("caller", "expected member", "popped member", "pop", "supervisor", "result"):
        table.add_column(column)
    for call in report.calls:
        took = f"{call.pop_seconds:.2f} s" if call.pop_seconds is not None else "-"
        table.add_row(call.number, call.expected_member or "(unknown)",
                      call.popped_member or "(unknown)", took,
                      "saw it" if call.supervisor_saw_it else "-",
                      "[green]ok[/]" if call.ok else f"[red]{call.problem}[/]")  # fmt: skip
    return table


DEMO_WRAPUP_SECONDS = 15.0
"""Wrap-up after demo calls when the settings give none ([telephony] wrap-up keys)."""


def write_supervisor_launcher(
    directory: Path, url: str, password: str, user: str = "demo.sup"
) -> Path:
    """A script (mode 700, only for this run: the password changes every run) that opens
    the supervisor's console on the running demo, so nobody copies a password by hand."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "supervisor-console.sh"
    program = Path(sys.executable).with_name("ctidesk")
    text = (
        "#!/bin/sh\n"
        f"# ctidesk demo: the supervisor's console ({user}) on the demo running now.\n"
        f"{PASSWORD_ENV}={shlex.quote(password)} exec {shlex.quote(str(program))} console "
        f"--url {shlex.quote(url)} --user {shlex.quote(user)}\n"
    )
    descriptor = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o700)  # also when an older script had another mode
        out.write(text)
    return script


def _interactive(settings: Settings, every: float) -> None:
    """The stack and the call stream in a thread of their own; the console in this one."""
    from agent_tui.app import ConsoleApp

    telephony = settings.telephony
    if not telephony.wrapup_seconds and not telephony.default_wrapup_seconds:
        # A short wrap-up after each demo call, so the desk shows the wrap-up timer.
        telephony = telephony.model_copy(update={"default_wrapup_seconds": DEMO_WRAPUP_SECONDS})
        settings = settings.model_copy(update={"telephony": telephony})
    stack = DemoStack(settings, progress=console.print)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(stack.start(), loop).result(timeout=600)
    stream = asyncio.run_coroutine_threadsafe(stack.caller.stream(stack.callers, every=every), loop)
    supervisor = write_supervisor_launcher(
        Path("var/demo").resolve(), stack.url, stack.supervisor_password
    )
    console.print(
        f"\n[bold]Demo running[/] on {stack.url}; a call every ~{every:.0f} s.\n"
        f"Password of demo.agent and demo.agent2 for this run: {stack.password}\n"
        f"A supervisor console (demo.sup, its own password), in another terminal:\n"
        f"  [bold]sh {supervisor}[/]\n"
    )
    app = ConsoleApp(stack.url, user="demo.agent", password=stack.password)
    app.last_info = f"Demo. Supervisor's wall-board, in another terminal: sh {supervisor}"
    try:
        app.run()
    finally:
        stream.cancel()
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stack.stop(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
