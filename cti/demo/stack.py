"""The demo's running parts: sandbox Asterisk, the demo CRM, and the service, in one loop.

``DemoStack.start`` brings up the sandbox (reusing one already running from the same
tree), migrates and seeds the database when it has no demo staff yet, gives the demo
users a fresh random password for this run, starts :class:`CtiService` online to
Asterisk and signs the demo agents in. ``stop`` undoes it in reverse.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from crm_core.db.migrate import upgrade
from crm_core.errors import NotFoundError
from crm_core.io.demo import seed_demo
from crm_core.io.demo_desk import seed_demo_desk
from crm_core.members.models import Member
from crm_core.wiring import Crm
from cti.ami import Action
from cti.demo.calls import INBOUND_MEDIA, DemoCaller, DemoNumber, demo_numbers
from cti.sandbox import Sandbox
from cti.service import CtiService, crm_for
from cti.settings import Settings

DEMO_AGENTS = ("demo.agent", "demo.agent2")
DEMO_SUPERVISOR = "demo.sup"
DEMO_USERS = (*DEMO_AGENTS, DEMO_SUPERVISOR)
Progress = Callable[[str], None]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A free port on loopback."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class DemoStack:
    """Sandbox, CRM and service for the demo; ``start`` then ``stop``."""

    def __init__(
        self, settings: Settings, *, members: int = 200, api_port: int | None = None,
        agents: tuple[str, ...] = DEMO_AGENTS, progress: Progress = print,
    ) -> None:  # fmt: skip
        self.base_settings = settings
        self.members = members
        self.api_port = api_port if api_port is not None else settings.api.port
        self.agents = agents
        self.progress = progress
        self.password = secrets.token_urlsafe(12)
        """The demo agents' password for this run."""
        self.supervisor_password = secrets.token_urlsafe(12)
        """demo.sup's own password for this run: knowing the agents' gives no supervisor."""
        self.sandbox = Sandbox(ami_port=free_port(), sip_port=free_port(socket.SOCK_DGRAM),
                               progress=progress)  # fmt: skip
        self.started_sandbox = False
        self.crm: Crm | None = None
        self.service: CtiService | None = None
        self.callers: list[DemoNumber] = []

    def password_of(self, login: str) -> str:
        """The password ``login`` has in this run (the supervisor's is its own)."""
        return self.supervisor_password if login == DEMO_SUPERVISOR else self.password

    @property
    def url(self) -> str:
        """The running API's address."""
        assert self.service is not None, "not started"
        return f"http://127.0.0.1:{self.service.port}"

    @property
    def caller(self) -> DemoCaller:
        """Places demo calls through the service's own AMI client."""
        assert self.service is not None, "not started"
        return DemoCaller(self.service.client)

    async def start(self) -> None:
        """Bring everything up (about 10-40 s; the first run builds the Asterisk tree)."""
        self.progress("starting the sandbox Asterisk…")
        result = await asyncio.to_thread(self.sandbox.up)
        self.started_sandbox = not result.already_running
        state = result.state
        secrets_text = await asyncio.to_thread(Path(state.secrets_file).read_text)
        generated = tomllib.loads(secrets_text)  # this run's AMI and FastAGI secrets
        settings = self.base_settings.model_copy(update={
            "ami": self.base_settings.ami.model_copy(update={
                "host": state.ami_host, "port": state.ami_port, "username": state.ami_username,
                "secret": SecretStr(generated["ami"]["secret"])}),
            "agi": self.base_settings.agi.model_copy(update={
                "secret": SecretStr(generated["agi"]["secret"])}),
            "api": self.base_settings.api.model_copy(update={"port": self.api_port,
                                                              "host": "127.0.0.1"}),
            "phone": self.base_settings.phone.model_copy(update={
                "inbound_media": {**INBOUND_MEDIA, **self.base_settings.phone.inbound_media}}),
        })  # fmt: skip
        self.progress(f"database {settings.database.url.split('///')[-1]}")
        await upgrade(settings.database.connect_url())
        self.crm = crm_for(settings)
        await self._seed_if_empty(self.crm)
        for login in DEMO_USERS:
            await self.crm.users.set_password(login, self.password_of(login))
        self.callers = await demo_numbers(self.crm)
        self.service = CtiService(settings, crm=self.crm)
        await self.service.start(online_within=30)
        # The dialplan's IVR lines reach the FastAGI server through this global.
        await self.service.client.send(
            Action(
                "Setvar", Variable="CTIDESK_AGI", Value=f"agi://127.0.0.1:{self.service.ivr.port}"
            )
        )
        for login in self.agents:
            await self.service.agents.sign_in(await self.crm.users.get(login))
        self.progress(f"service on {self.url}; signed in: {', '.join(self.agents)}")

    async def _seed_if_empty(self, crm: Crm) -> None:
        try:
            await crm.users.get("demo.agent")
            return
        except NotFoundError:
            pass
        self.progress(f"loading the demo CRM ({self.members} members)…")
        today = datetime.combine(datetime.now(UTC).date(), time(9), tzinfo=UTC)
        await seed_demo(crm, members=self.members, now=today)
        async with crm.db.read() as session:
            numbers = list(await session.scalars(select(Member.number)))
        await seed_demo_desk(crm, members=numbers, now=today)

    async def stop(self) -> None:
        """Sign the agents out, stop the service and the sandbox (if this run started it)."""
        if self.service is not None and self.crm is not None:
            for login in self.agents:
                try:
                    await self.service.agents.sign_out(await self.crm.users.get(login))
                except Exception as error:
                    self.progress(f"signing {login} out: {error}")
            await self.service.stop()
            self.service = None
        if self.crm is not None:
            await self.crm.close()
            self.crm = None
        if self.started_sandbox:
            await asyncio.to_thread(self.sandbox.down)
            self.started_sandbox = False


__all__ = ["DEMO_AGENTS", "DEMO_SUPERVISOR", "DEMO_USERS", "DemoStack", "free_port"]
