"""The service's API for console tests, served from a thread of its own.

Textual's snapshot helper runs the app in a fresh event loop, so the API cannot share the
test's loop: `ThreadedApi` builds the CRM, seeds a small call centre and serves
`make_app` on a free loopback port from its own thread and loop. The CRM's clock is
fixed, so every time the console shows is the same on every run. ``push`` sends a
message through the real WebSocket hub, as the telephony service does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web

from crm_core.knowledge.demo import seed_demo_articles
from crm_core.staff.schemas import UserView
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm, build_crm
from cti.ami import AmiClient
from cti.bus.actions import TelephonyUnavailableError
from cti.bus.directory import AgentDirectory
from cti.bus.legs import LiveCallNotFoundError, NotOnCallError
from cti.calls.http import call_routes
from cti.dialer.http import dialer_routes
from cti.dialer.preview import PreviewDesk
from cti.dialer.preview_http import preview_routes
from cti.dialer.services import Dialer
from cti.http.app import hub_of, start_site
from cti.http.routes import Route
from cti.live.services import ModelLiveState
from cti.model import CallCentreModel
from cti.protocol import CallUpdate, Message, ScreenPop
from cti.screen_pop.lookup import CallerLookup
from cti.screen_pop.services import screen_pop_of
from cti.service import make_app
from cti.settings import AmiSettings, DialerSettings, Settings
from cti.statistics.http import stats_routes
from cti.supervisor.http import supervisor_routes

T = TypeVar("T")
PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MEMBER_PHONE = "13812345678"


async def seed_desk(crm: Crm) -> str:
    """An agent, a supervisor, 李娜 with 1,200 points, codes, the survey, articles."""
    await crm.users.add(
        {"login": "agent1", "display_name": "Agent One", "role": "agent", "extension": "6001",
         "interface": "Local/6001@test-phones/n", "queues": [{"queue": "hotline"}]},
        password=PASSWORD,
    )  # fmt: skip
    await crm.users.add(
        {"login": "boss", "display_name": "Boss", "role": "supervisor", "extension": "6100"},
        password=PASSWORD,
    )
    member = await crm.members.create(
        {"name": "李娜", "phones": [MEMBER_PHONE], "level": 3, "city": "上海"}, actor="seed"
    )
    await crm.points.gift(member.number, 1200, reason="welcome", operator="boss",
                          idempotency_key="seed-points")  # fmt: skip
    for code, label in (("SALE", "Sale"), ("ENQUIRY", "Enquiry answered")):
        await crm.dispositions.define({"code": code, "label": label})
    await ensure_phone_service_evaluation(crm.questionnaires, actor="boss")
    await seed_demo_articles(crm.knowledge, author="boss", approver="boss")
    return member.number


class PushedCallPops:
    """``GET /api/calls/{id}/pop`` over the calls the test pushed (no Asterisk feeds a model).

    The ownership is the pushed ``call_update``'s agent; the member comes from the real
    caller lookup over the CRM and the pop from the service's own builder.
    """

    def __init__(self, crm: Crm) -> None:
        self.calls: dict[str, CallUpdate] = {}
        self._callers = CallerLookup(crm=crm, inbound_media={})

    async def pop_of(self, user: UserView, call_id: str) -> ScreenPop:
        """The pop of a pushed call ``user`` is the agent of: 404 unknown, 403 another's."""
        call = self.calls.get(call_id)
        if call is None:
            raise LiveCallNotFoundError(f"no call {call_id}", call_id=call_id)
        if call.agent != user.login:
            raise NotOnCallError(f"{user.login} is not on call {call_id}", call_id=call_id)
        match = await self._callers.result(call_id, call.caller, "")
        return screen_pop_of(
            match, call_id, call.caller, queue=call.queue, direction="inbound", transfer=None
        )


NO_TELEPHONY = "no Asterisk behind this test's API"
"""The refusal of every call-control and supervisor route the console tests mount."""


class NoTelephony:
    """The call-control and supervisor routes with nothing behind them: each refuses with
    :class:`TelephonyUnavailableError` (503), as the service does while Asterisk is away."""

    async def _refuse(self) -> Any:
        raise TelephonyUnavailableError(NO_TELEPHONY)

    async def dial(self, user: UserView, number: str) -> Any:
        return await self._refuse()

    async def hold(self, user: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def retrieve(self, user: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def transfer(
        self, user: UserView, call_id: str, target: str, mode: str, note: str | None = None
    ) -> Any:
        return await self._refuse()

    async def complete_transfer(self, user: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def cancel_transfer(self, user: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def conference(self, user: UserView, call_id: str, target: str) -> Any:
        return await self._refuse()

    async def hang_up(self, user: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def send_dtmf(self, user: UserView, call_id: str, digits: str) -> Any:
        return await self._refuse()

    async def spy(self, supervisor: UserView, call_id: str, mode: str) -> Any:
        return await self._refuse()

    async def stop_spy(self, supervisor: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def release(self, supervisor: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def intercept(self, supervisor: UserView, call_id: str) -> Any:
        return await self._refuse()

    async def sign_out_agent(self, supervisor: UserView, login: str) -> Any:
        return await self._refuse()

    async def pause_agent(self, supervisor: UserView, login: str, reason: str) -> Any:
        return await self._refuse()

    async def call_back(self, supervisor: UserView, login: str, number: str) -> Any:
        return await self._refuse()

    async def notice(self, supervisor: UserView, text: str, queue: str | None) -> Any:
        return await self._refuse()


class ThreadedApi:
    """``make_app`` over a seeded CRM, in a thread; ``base`` is its address."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.crm: Crm | None = None
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        """Chosen by the system at the first serve (no race for a port picked in advance)."""
        self.member_number = ""
        self.pops: PushedCallPops | None = None

    @property
    def base(self) -> str:
        """The API's address."""
        return f"http://127.0.0.1:{self.port}"

    def run(self, work: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
        """Run ``work()`` in the server's loop and return its result (from a sync caller)."""
        return self.submit(work).result(timeout)

    def submit(self, work: Callable[[], Awaitable[T]]) -> Future[T]:
        """Start ``work()`` in the server's loop; wrap with ``asyncio.wrap_future`` to await."""

        async def call() -> T:
            return await work()

        return asyncio.run_coroutine_threadsafe(call(), self._loop)

    def start(self) -> ThreadedApi:
        """Start the thread, seed the CRM and serve."""
        self._thread.start()
        self.run(self._start)
        return self

    async def _start(self) -> None:
        self.crm = build_crm(database_url=self._url, clock=lambda: NOW)
        self.member_number = await seed_desk(self.crm)
        # The live routes read the real (pure) call model; no Asterisk feeds it here.
        model, agents = CallCentreModel(), AgentDirectory(users=self.crm.users)
        live = ModelLiveState(model=model, agents=agents)
        self.pops = PushedCallPops(self.crm)
        stub = NoTelephony()
        self.app = make_app(
            crm=self.crm, live_state=live, pops=self.pops,
            routes=(call_routes(stub) + supervisor_routes(stub)
                    + self._campaign_routes(model, agents) + stats_routes(Settings())),
        )  # fmt: skip
        await self.serve()

    def _campaign_routes(self, model: CallCentreModel, agents: AgentDirectory) -> tuple[Route, ...]:
        """The campaign, preview and do-not-call routes over a dialer that never connects
        to Asterisk (a dial is refused: telephony unavailable)."""
        assert self.crm is not None
        client = AmiClient(AmiSettings(host="127.0.0.1", port=1))
        settings = DialerSettings()
        dialer = Dialer(crm=self.crm, client=client, model=model, agents=agents,
                        settings=settings, default_region="CN")  # fmt: skip
        desk = PreviewDesk(crm=self.crm, client=client, model=model, settings=settings)
        return dialer_routes(dialer) + preview_routes(desk)

    async def serve(self) -> None:
        """Listen on the port."""
        assert self.app is not None
        self._runner = await start_site(self.app, port=self.port)
        self.port = int(self._runner.addresses[0][1])

    async def pause_service(self) -> None:
        """Stop listening and close consoles' WebSockets (the service "goes away")."""
        assert self._runner is not None and self.app is not None
        for site in list(self._runner.sites):
            await site.stop()
        await hub_of(self.app).close()

    async def close_connections(self) -> None:
        """Close every client's kept-alive connection (as the service does when they idle)."""
        assert self._runner is not None and self._runner.server is not None
        await self._runner.server.shutdown(1)

    async def resume_service(self) -> None:
        """Listen again on the same port after :meth:`pause_service`."""
        assert self._runner is not None
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def push(self, login: str, message: Message) -> None:
        """Send ``message`` to ``login``'s consoles through the hub."""
        assert self.app is not None
        hub = hub_of(self.app)
        if isinstance(message, CallUpdate) and self.pops is not None:
            self.pops.calls[message.call_id] = message  # before the console can ask
        self._loop.call_soon_threadsafe(hub.send_to_user, login, message)

    def broadcast(self, message: Message, roles: Collection[str] | None = None) -> None:
        """Send ``message`` to every console (of ``roles``)."""
        assert self.app is not None
        hub = hub_of(self.app)
        self._loop.call_soon_threadsafe(lambda: hub.broadcast(message, roles=roles))

    def consoles_of(self, login: str) -> int:
        """How many consoles ``login`` has open."""
        assert self.app is not None
        hub = hub_of(self.app)

        async def count() -> int:
            return hub.connections_of(login)

        return self.run(count)

    def stop(self) -> None:
        """Stop serving, close the CRM and end the thread."""

        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self.crm is not None:
                await self.crm.close()

        self.run(stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def fetch(api: ThreadedApi, work: Callable[[Crm], Awaitable[Any]]) -> Any:
    """Read from the API's CRM in its own loop (a sync helper for assertions)."""

    async def call() -> Any:
        assert api.crm is not None
        return await work(api.crm)

    return api.run(call)


__all__ = ["MEMBER_PHONE", "NOW", "PASSWORD", "PushedCallPops", "ThreadedApi", "fetch", "seed_desk"]
