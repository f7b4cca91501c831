"""``ctidesk ami record``: the raw AMI stream to a file, and its replay."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from cti.ami import AmiClient, StreamRecorder, read_recording
from cti.cli import ami as ami_cli
from cti.cli.common import AppContext
from cti.settings import Settings
from tests.support.fake_ami import (
    FAST,
    SECRET,
    Bridge,
    FakeAmi,
    eventually,
    frame,
    settings_for,
)


async def test_the_raw_stream_records_and_replays(server: FakeAmi, tmp_path: Path) -> None:
    path = tmp_path / "live.ami"
    with StreamRecorder(path) as recorder:
        client = AmiClient(settings_for(server), backoff=FAST, on_raw=recorder.write)
        watched = Bridge(client)
        await client.start()
        await client.wait_online(within=2)
        await server.push(frame(Event="Newchannel", CallerIDName="张伟"), frame(Event="Hangup"))
        await eventually(lambda: bool(watched.named("Hangup")))
        await client.stop()
    assert path.read_bytes().startswith(b"Asterisk Call Manager/9.0.0\r\n")
    assert SECRET.encode() not in path.read_bytes()
    replayed = [m for m in read_recording(path) if m.is_event]
    assert replayed == watched.events


@pytest.fixture
async def server() -> AsyncIterator[FakeAmi]:
    fake = await FakeAmi().start()
    yield fake
    await fake.stop()


@pytest.fixture
def threaded_server() -> Iterator[FakeAmi]:
    """The fake AMI in a thread of its own, for a command that runs its own event loop."""
    ready = threading.Event()
    stop: list[asyncio.Event] = []
    holder: list[FakeAmi] = []

    async def serve() -> None:
        fake = await FakeAmi().start()
        holder.append(fake)
        stop.append(asyncio.Event())
        ready.set()
        await stop[0].wait()
        await fake.stop()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    assert ready.wait(5)
    yield holder[0]
    loop.call_soon_threadsafe(stop[0].set)
    thread.join(5)
    loop.close()


def test_the_record_command_writes_the_stream(threaded_server: FakeAmi, tmp_path: Path) -> None:
    settings = Settings(ami=settings_for(threaded_server))
    path = tmp_path / "capture.ami"
    result = CliRunner().invoke(
        ami_cli.app, ["record", str(path), "--events", "1"], obj=AppContext(settings=settings)
    )
    assert result.exit_code == 0, result.output
    assert "recorded 1 events" in result.output
    assert [m.event for m in read_recording(path) if m.is_event] == ["FullyBooted"]


def test_the_record_command_names_an_unreachable_asterisk(tmp_path: Path) -> None:
    server_less = Settings(
        ami={"port": 1, "secret": SecretStr(SECRET), "connect_timeout": 0.3}  # type: ignore[arg-type]
    )
    result = CliRunner().invoke(
        ami_cli.app, ["record", str(tmp_path / "x.ami")], obj=AppContext(settings=server_less)
    )
    assert result.exit_code == 1
    assert "127.0.0.1:1 not online" in result.output
