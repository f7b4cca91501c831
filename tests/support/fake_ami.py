"""A small AMI server written for the client tests, with faults injected on demand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from pydantic import SecretStr

from cti.ami import (
    AmiClient,
    AmiMessage,
    Backoff,
    ConnectionStatus,
)
from cti.settings import AmiSettings

SECRET = "s3cret"


FAST = Backoff(initial=0.02, maximum=0.1, jitter=0)


LISTS = {
    "CoreShowChannels": ("CoreShowChannel", 2),
    "QueueStatus": ("QueueMember", 3),
    "BridgeList": ("BridgeListItem", 1),
}


def frame(**headers: str) -> bytes:
    """One AMI frame from keyword headers (underscores in keys become dashes)."""
    lines = [f"{key.replace('_', '-')}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class FakeAmi:
    """An AMI server on 127.0.0.1 speaking just enough of the protocol, with fault switches."""

    def __init__(self) -> None:
        self.answer_pings = True
        self.live_during: dict[str, bytes] = {}
        """Live events written in the middle of a list action's answer, by action name."""
        self.unanswered: set[str] = set()
        self.received: list[dict[str, str]] = []
        self.logins = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self, port: int = 0) -> FakeAmi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop(self) -> None:
        """Close every client connection (Asterisk restarting, a cable pulled)."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def actions(self, name: str) -> list[dict[str, str]]:
        return [action for action in self.received if action["Action"] == name]

    async def push(self, *chunks: bytes, pause: float = 0.0) -> None:
        """Write `chunks` to every client, each on its own, draining in between."""
        for chunk in chunks:
            for writer in self._writers:
                writer.write(chunk)
                await writer.drain()
            await asyncio.sleep(pause)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        buffer = b""
        try:
            while data := await reader.read(65536):
                buffer += data
                *frames, buffer = buffer.split(b"\r\n\r\n")
                for raw in frames:
                    action = dict(line.split(": ", 1) for line in raw.decode().split("\r\n"))
                    self.received.append(action)
                    writer.write(self._answer(action))
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def _answer(self, action: dict[str, str]) -> bytes:
        name, action_id = action["Action"], action["ActionID"]
        if name in self.unanswered or (name == "Ping" and not self.answer_pings):
            return b""
        if name == "Login":
            if action.get("Secret") != SECRET:
                return frame(Response="Error", ActionID=action_id, Message="Authentication failed")
            self.logins += 1
            return frame(
                Response="Success", ActionID=action_id, Message="Authentication accepted"
            ) + frame(Event="FullyBooted", Status="Fully Booted")
        if name == "Ping":
            return frame(Response="Success", ActionID=action_id, Ping="Pong", Timestamp="1.0")
        if name == "Originate":
            return frame(
                Response="Success", ActionID=action_id, Message="Originate successfully queued"
            ) + frame(Event="OriginateResponse", ActionID=action_id, Response="Success")
        if name in LISTS:
            item, count = LISTS[name]
            items = b"".join(
                frame(Event=item, ActionID=action_id, Channel=f"Local/s@test-{n}")
                for n in range(count)
            )
            return (
                frame(Response="Success", ActionID=action_id, EventList="start")
                + frame(Event="FullyBooted", Status="unrelated event in between")
                + self.live_during.get(name, b"")
                + items
                + frame(
                    Event=f"{name}Complete",
                    ActionID=action_id,
                    EventList="Complete",
                    ListItems=str(count),
                )
            )
        return frame(Response="Error", ActionID=action_id, Message="Invalid/unknown command")


async def eventually(condition: Callable[[], bool], *, within: float = 3.0) -> None:
    """Poll `condition` until true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def settings_for(server: FakeAmi, **changes: object) -> AmiSettings:
    values: dict[str, object] = {
        "port": server.port,
        "secret": SecretStr(SECRET),
        "connect_timeout": 2.0,
        "ping_interval": 30.0,
    }
    return AmiSettings.model_validate(values | changes)


class Bridge:
    """A started client, the events it delivered and the status changes it reported."""

    def __init__(self, client: AmiClient) -> None:
        self.client = client
        self.events: list[AmiMessage] = []
        self.statuses: list[ConnectionStatus] = []
        self.reasons: list[str] = []
        client.subscribe(self.events.append, name="test")
        client.on_status(self._status)

    def _status(self, status: ConnectionStatus, reason: str) -> None:
        self.statuses.append(status)
        self.reasons.append(reason)

    def named(self, event: str) -> list[AmiMessage]:
        return [message for message in self.events if message.event == event]
