"""Which voicemail the caller left: ``VM_MESSAGEFILE`` read after the caller hung up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from ivr.agi import AgiEnvironment
from ivr.flows.inbound import message_name
from ivr.session import AgiSession


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("/var/spool/asterisk/voicemail/ctidesk/1000/INBOX/msg0003", "INBOX/msg0003"),
        ("/var/spool/asterisk/voicemail/ctidesk/1000/Urgent/msg0000", "Urgent/msg0000"),
        (None, None),
        ("", None),
        ("/etc/passwd", None),
        ("/var/spool/asterisk/voicemail/ctidesk/1000/INBOX/../../x/msg0001", None),
        ("/v/INBOX/msg", None),
        ("/v/IN BOX/msg0001", None),
        ("msg0001", None),
    ],
)
def test_only_app_voicemails_own_names_are_kept(value: str | None, name: str | None) -> None:
    assert message_name(value) == name


FarEnd = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
"""What Asterisk's side of the AGI socket does."""


@asynccontextmanager
async def asterisk_saying(script: FarEnd) -> AsyncIterator[AgiSession]:
    """A session whose far end (a loopback socket) plays ``script``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await script(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield AgiSession(reader, writer, AgiEnvironment({}), command_timeout=2.0)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


async def test_the_hangup_notice_and_the_interrupted_reply_are_skipped() -> None:
    asked: list[bytes] = []

    async def dead_channel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HANGUP\n200 result=-1\n")  # left over from the interrupted EXEC
        asked.append(await reader.readline())
        writer.write(b"200 result=1 (/var/spool/asterisk/voicemail/c/1000/INBOX/msg0004)\n")
        await writer.drain()

    async with asterisk_saying(dead_channel) as session:
        value = await session.variable_after_hangup("VM_MESSAGEFILE")
    assert asked == [b"GET VARIABLE VM_MESSAGEFILE\n"]
    assert value == "/var/spool/asterisk/voicemail/c/1000/INBOX/msg0004"


async def test_an_unset_variable_a_refusal_or_a_closed_line_reads_as_none() -> None:
    def replies(line: bytes) -> FarEnd:
        async def far_end(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            writer.write(line)
            await writer.drain()

        return far_end

    for line in (b"200 result=0\n", b"511 Command Not Permitted on a dead channel\n", b""):
        async with asterisk_saying(replies(line)) as session:
            assert await session.variable_after_hangup("VM_MESSAGEFILE") is None


async def test_only_variable_names_are_asked_for() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async with asterisk_saying(silent) as session:
        with pytest.raises(ValueError, match="not a variable name"):
            await session.variable_after_hangup("X\nHANGUP")
