"""``ctidesk ami``: the Asterisk Manager Interface seen from the command line."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from cti.ami import AmiClient, AmiError, AmiMessage, StreamRecorder
from cti.cli.common import app_context, console, fail
from cti.settings import AmiSettings

app = typer.Typer(help="The Asterisk Manager Interface: record a live event stream.")


@app.callback()
def _ami() -> None:
    """The Asterisk Manager Interface (connection settings: the [ami] section)."""


async def _record(
    settings: AmiSettings, path: Path, *, seconds: float | None, max_events: int | None
) -> tuple[int, int]:
    """Record until `seconds` pass or `max_events` arrive; return (events, bytes)."""
    enough = asyncio.Event()
    events = 0

    def count(_: AmiMessage) -> None:
        nonlocal events
        events += 1
        if max_events is not None and events >= max_events:
            enough.set()

    with StreamRecorder(path) as recorder:
        client = AmiClient(settings, on_raw=recorder.write)
        client.subscribe(count, name="recorder")
        await client.start()
        try:
            await client.wait_online(within=settings.connect_timeout)
            console.print(f"recording AMI {settings.host}:{settings.port} to {path} (Ctrl-C stops)")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await enough.wait()
        finally:
            await client.stop()
        return events, recorder.bytes_written


@app.command("record")
def record(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="File to write (raw AMI bytes; overwritten).")],
    seconds: Annotated[
        float | None, typer.Option("--seconds", min=0.1, help="Stop after this many seconds.")
    ] = None,
    max_events: Annotated[
        int | None, typer.Option("--events", min=1, help="Stop after this many events.")
    ] = None,
) -> None:
    """Capture the live AMI stream to FILE, for replay tests (format: cti/ami/capture.py)."""
    settings = app_context(ctx).settings.ami
    if settings.secret is None:
        fail("no AMI secret: set CTIDESK_AMI_SECRET or put ami.secret in the secrets file")
    try:
        events, size = asyncio.run(_record(settings, file, seconds=seconds, max_events=max_events))
    except AmiError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {file}: {error.strerror}")
    console.print(f"recorded {events} events ({size} bytes) to {file}")
