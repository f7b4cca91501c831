"""``ctidesk sandbox``: a real Asterisk 22 on loopback for the demo and the tests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cti.cli.common import app_context, console, fail
from cti.cluster.edge import SYSTEM_NAME
from cti.sandbox import NeedsRootError, Sandbox, SandboxError, SandboxState
from cti.sandbox.layout import RECORDINGS_IN_TREE, SandboxLayout

app = typer.Typer(
    help="Run a real Asterisk on loopback (needs root; built once into a cache directory).",
    no_args_is_help=True,
)


def _sandbox(
    ctx: typer.Context, sip_port: int = 5060, mirror: str | None = None, system_name: str = ""
) -> Sandbox:
    ami = app_context(ctx).settings.ami
    return Sandbox(ami_port=ami.port, ami_username=ami.username, sip_port=sip_port, mirror=mirror,
                   system_name=system_name)  # fmt: skip


def _describe(state: SandboxState) -> None:
    uptime = int(time.time() - state.started_at)
    console.print(f"pid      {state.pid}")
    console.print(f"AMI      {state.ami_host}:{state.ami_port} (user {state.ami_username})")
    console.print(f"SIP      127.0.0.1:{state.sip_port} (udp)")
    console.print(f"uptime   {uptime // 3600}:{uptime // 60 % 60:02d}:{uptime % 60:02d}")
    console.print(f"tree     {state.root}")
    console.print(f"output   {state.output_log}")
    console.print(f"secrets  {state.secrets_file} (for CTIDESK_SECRETS_FILE)")
    recordings = SandboxLayout(Path(state.root)).recordings_dir
    console.print(
        f"recordings {recordings} (for CTIDESK_RECORDINGS_DIRECTORY, with "
        f"CTIDESK_RECORDINGS_ASTERISK_DIRECTORY={RECORDINGS_IN_TREE})"
    )


@app.command("up")
def up(
    ctx: typer.Context,
    sip_port: Annotated[int, typer.Option(help="Loopback UDP port of the SIP transport.")] = 5060,
    mirror: Annotated[
        str | None,
        typer.Option(
            help="Debian mirror URL to build the tree from (default: $CTIDESK_SANDBOX_MIRROR, "
            "else the first Debian archive in /etc/apt's sources, else mmdebstrap's own).",
        ),
    ] = None,
    system_name: Annotated[
        str,
        typer.Option(
            help="asterisk.conf's systemname (several Asterisks, several nodes: each its own; "
            "letters, digits, _ and -); empty: none.",
        ),
    ] = "",
) -> None:
    """Start the sandbox (building the Asterisk tree the first time); harmless when up."""
    if system_name and not SYSTEM_NAME.match(system_name):
        fail(f"--system-name {system_name!r}: use only letters, digits, _ and -")
    try:
        result = _sandbox(ctx, sip_port, mirror, system_name).up()
    except NeedsRootError as error:
        fail(escape(str(error)), code=3)
    except SandboxError as error:
        fail(escape(str(error)))
    if result.already_running:
        console.print("the sandbox is already running; nothing changed")
    else:
        console.print(f"the sandbox is up (AMI answered in {result.seconds_to_ami:.1f} s)")
    _describe(result.state)


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop the sandbox's Asterisk by pid and unmount its /proc."""
    try:
        stopped = _sandbox(ctx).down()
    except NeedsRootError as error:
        fail(escape(str(error)), code=3)
    except SandboxError as error:
        fail(escape(str(error)))
    console.print("the sandbox is stopped" if stopped else "the sandbox was not running")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Print the running sandbox's pid, AMI port and uptime; exit code 1 when it is down."""
    try:
        state = _sandbox(ctx).status()
    except SandboxError as error:
        fail(escape(str(error)))
    if state is None:
        console.print("the sandbox is not running (start it with `ctidesk sandbox up`)")
        raise typer.Exit(1)
    _describe(state)


@app.command("cli")
def cli(
    ctx: typer.Context,
    command: Annotated[
        str, typer.Argument(help='Asterisk CLI command, e.g. "core show channels".')
    ],
) -> None:
    """Run one Asterisk CLI command in the running sandbox and print its output."""
    try:
        output = _sandbox(ctx).cli(command)
    except NeedsRootError as error:
        fail(escape(str(error)), code=3)
    except SandboxError as error:
        fail(escape(str(error)))
    typer.echo(output, nl=False)
