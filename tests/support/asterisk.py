"""The real Asterisk sandbox for the test session, and an AMI client for tests.

The sandbox runs from the shared cached tree (built on first use) with its AMI and SIP
ports on free loopback ports, and is stopped by pid at the end. It needs root.

Usage::

    server = AsteriskServer().start()
    try:
        client = await AmiClient.connect(server.ami_host, server.ami_port)
        await client.login(server.ami_username, server.ami_secret)
    finally:
        server.stop()
"""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import socket
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Self

from cti.ami import Action, AmiActionError, AmiMessage
from cti.ami.connection import AmiConnection
from cti.sandbox import Sandbox, SandboxLayout, SandboxState

__all__ = [
    "SETUP_HINT",
    "AmiClient",
    "AmiMessage",
    "AsteriskServer",
    "free_port",
    "observer_session",
]

SETUP_HINT = "run the tests as root after `scripts/setup.sh --with-asterisk`"
ANSWER_WITHIN = 10.0
"""Seconds an action waits for its response."""
LIST_WITHIN = 15.0
"""Seconds a list action waits for its ``...Complete`` event."""
OBSERVER = "ctidesk-observer"
"""The tests' own AMI account (read and write ``all``), beside the service's least-privilege
one: tests play the callers (Originate of test callers, PlayDTMF, Hangup of everything),
set dialplan globals and read the AGI commands (``agi`` events) the service never needs."""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A free port on loopback (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AsteriskServer:
    """The sandbox Asterisk for one test session; see the module docstring."""

    def __init__(self, layout: SandboxLayout | None = None, *, system_name: str = "") -> None:
        self.sandbox = Sandbox(
            layout=layout,
            system_name=system_name,
            ami_port=free_port(),
            ami_username="ctidesk-test",
            sip_port=free_port(socket.SOCK_DGRAM),
            progress=lambda line: print(f"[asterisk sandbox] {line}", flush=True),
        )
        self._state: SandboxState | None = None
        self.observer_secret = secrets.token_urlsafe(24)

    @property
    def state(self) -> SandboxState:
        """The running sandbox's state."""
        if self._state is None:
            raise RuntimeError("AsteriskServer is not started")
        return self._state

    @property
    def pid(self) -> int:
        return self.state.pid

    @property
    def ami_host(self) -> str:
        return self.state.ami_host

    @property
    def ami_port(self) -> int:
        return self.state.ami_port

    @property
    def ami_username(self) -> str:
        return self.state.ami_username

    @property
    def ami_secret(self) -> str:
        """The AMI secret generated for this run (from the sandbox's secrets file)."""
        with Path(self.state.secrets_file).open("rb") as stream:
            secret: str = tomllib.load(stream)["ami"]["secret"]
        return secret

    @property
    def observer_username(self) -> str:
        """The tests' wider AMI account (see ``OBSERVER``)."""
        return OBSERVER

    def _add_observer(self) -> None:
        """Add the tests' account to the sandbox's manager.conf and reload the manager."""
        manager = self.sandbox.layout.etc_dir / "manager.conf"
        with manager.open("a") as stream:
            stream.write(
                f"\n[{OBSERVER}]\nsecret = {self.observer_secret}\n"
                "deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255\n"
                "read = all\nwrite = all\nwritetimeout = 100\n"
            )
        self.cli("manager reload")

    @property
    def agi_secret(self) -> str:
        """The FastAGI secret generated for this run (Asterisk's ctidesk_agi.conf holds it)."""
        with Path(self.state.secrets_file).open("rb") as stream:
            secret: str = tomllib.load(stream)["agi"]["secret"]
        return secret

    @property
    def _owner_file(self) -> Path:
        """Which test process started the running sandbox (absent: a person did)."""
        return self.sandbox.layout.state_dir / "test-owner.pid"

    def _reclaim_if_abandoned(self) -> None:
        """Stop a sandbox left running by a test process that has died (killed, timed out)."""
        try:
            owner = int(self._owner_file.read_text())
        except (OSError, ValueError):
            return
        if owner != os.getpid() and not Path(f"/proc/{owner}").exists():
            self.sandbox.down()
            self._owner_file.unlink(missing_ok=True)

    def start(self) -> Self:
        """Start the sandbox; refuses to share the tree with a sandbox already running."""
        if os.geteuid() != 0:
            raise RuntimeError(f"the Asterisk sandbox needs root; {SETUP_HINT}")
        self._reclaim_if_abandoned()
        running = self.sandbox.status()
        if running is not None:
            raise RuntimeError(
                f"a sandbox already runs from {running.root} (pid {running.pid}); stop it "
                "with `ctidesk sandbox down` before running the Asterisk tests"
            )
        atexit.register(self.stop)
        self._state = self.sandbox.up().state
        self._owner_file.write_text(str(os.getpid()))
        self._add_observer()
        return self

    def stop(self) -> None:
        """Stop Asterisk by pid and unmount; idempotent."""
        atexit.unregister(self.stop)
        if self._state is not None:
            self.sandbox.down()
            self._owner_file.unlink(missing_ok=True)
            self._state = None

    def restart(self, *, system_name: str | None = None) -> None:
        """Stop Asterisk by pid and start it again on the same ports with the same secret
        (with ``system_name``, as asterisk.conf's ``systemname``; "" for none)."""
        secret, agi_secret = self.ami_secret, self.agi_secret
        if system_name is not None:
            self.sandbox.system_name = system_name
        self.sandbox.down()
        self._state = self.sandbox.up(ami_secret=secret, agi_secret=agi_secret).state
        self._owner_file.write_text(str(os.getpid()))
        self._add_observer()

    def cli(self, command: str) -> str:
        """Output of an Asterisk CLI command."""
        return self.sandbox.cli(command)


class AmiClient:
    """An AMI session for tests over the production `AmiConnection`: actions, lists, events.

    Unlike `cti.ami.AmiClient` it does not reconnect, and an action answered with
    ``Response: Error`` returns that response instead of raising, so a test can assert on it.
    Events that answer no list action collect in `events`, in order.
    """

    def __init__(self) -> None:
        self.events: list[AmiMessage] = []
        self._changed = asyncio.Event()
        self._connection: AmiConnection | None = None

    @classmethod
    async def connect(cls, host: str, port: int) -> AmiClient:
        """Connect and read the banner."""
        client = cls()
        client._connection = await AmiConnection.open(host, port, on_event=client._on_event)
        return client

    @property
    def connection(self) -> AmiConnection:
        """The open connection."""
        if self._connection is None:
            raise RuntimeError("AmiClient is not connected; use AmiClient.connect")
        return self._connection

    async def close(self) -> None:
        """Close the connection."""
        self.connection.close()
        await self.connection.wait_closed()

    async def login(self, username: str, secret: str) -> AmiMessage:
        """Send Login; returns the response (Response: Success or Error)."""
        return await self.action("Login", Username=username, Secret=secret)

    async def action(self, name: str, **fields: str) -> AmiMessage:
        """Send an action and wait for its response (an error response is returned)."""
        try:
            return await self.connection.send(Action(name, **fields), answer_within=ANSWER_WITHIN)
        except AmiActionError as error:
            return error.response

    async def list_action(self, name: str, **fields: str) -> list[AmiMessage]:
        """A list action: the events up to its ``...Complete`` event."""
        listing = await self.connection.send_list(Action(name, **fields), answer_within=LIST_WITHIN)
        return list(listing.events)

    async def wait_for_event(self, name: str, seconds: float = 15, **match: str) -> AmiMessage:
        """The first event (seen so far or arriving) named ``name`` with fields ``match``."""

        def found() -> AmiMessage | None:
            for event in self.events:
                if event.event == name and all(event.get(k) == v for k, v in match.items()):
                    return event
            return None

        try:
            await self.wait_for(lambda: found() is not None, seconds)
        except TimeoutError:
            raise AssertionError(self._not_seen(name, seconds, match)) from None
        event = found()
        assert event is not None
        return event

    def _not_seen(self, name: str, seconds: float, match: dict[str, str]) -> str:
        """What a timed-out wait says: the event wanted, then the last events of the channel
        it names (or the last events at all), so a rare failure can be read from its log."""
        channel = match.get("Channel")
        mine = [e for e in self.events if channel is None or e.get("Channel") == channel]
        shown = [
            f"  {e.event} {e.get('Channel', '')} {e.get('BridgeUniqueid', '')}"
            f" {e.get('Cause-txt', '')}".rstrip()
            for e in mine[-25:]
            if e.event not in ("VarSet", "Newexten")
        ]
        return f"no {name} {match} within {seconds} s; last events:\n" + "\n".join(shown)

    async def wait_for(self, condition: Callable[[], bool], seconds: float = 15) -> None:
        """Poll ``condition()`` each time an event arrives, until true or timeout."""

        async def poll() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(poll(), seconds)

    def _on_event(self, message: AmiMessage) -> None:
        self.events.append(message)
        self._changed.set()


async def observer_session(server: AsteriskServer) -> AmiClient:
    """A new AMI connection to ``server`` on the tests' own account, logged in."""
    client = await AmiClient.connect(server.ami_host, server.ami_port)
    response = await client.login(server.observer_username, server.observer_secret)
    assert response["Response"] == "Success", response
    return client
