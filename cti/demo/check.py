"""``ctidesk demo --check``: place demo calls and verify the pops with WebSocket clients.

An agent console and a supervisor console connect like the real console does (HTTP login,
then the WebSocket). Each call must pop at the agent with the member the CRM finds for
the caller's number (``null`` for an unknown number), and the supervisor must see the
call come and go.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from cti.demo.calls import DemoNumber
from cti.demo.stack import DEMO_SUPERVISOR, DemoStack
from cti.protocol import WEBSOCKET_PATH, Authenticate, to_json


@dataclass(frozen=True)
class CallCheck:
    """What one demo call showed."""

    number: str
    expected_member: str | None
    popped_member: str | None
    pop_seconds: float | None
    supervisor_saw_it: bool
    problem: str | None

    @property
    def ok(self) -> bool:
        """Whether the pop came with the right member and the supervisor saw the call."""
        return self.problem is None


@dataclass
class CheckReport:
    """Every call checked; ``ok`` only when all of them passed."""

    calls: list[CallCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every call passed (and there was at least one)."""
        return bool(self.calls) and all(call.ok for call in self.calls)


class ConsoleSocket:
    """A console's WebSocket: messages kept in arrival order, read by type and predicate."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    async def next_where(self, kind: str, within: float, **fields: Any) -> dict[str, Any]:
        """The next message of ``kind`` whose ``fields`` match; TimeoutError after ``within``."""
        async with asyncio.timeout(within):
            while True:
                message: dict[str, Any] = await self.socket.receive_json()
                self.seen.append(message)
                if message.get("type") == kind and all(
                    message.get(key) == value for key, value in fields.items()
                ):
                    return message


@asynccontextmanager
async def console_socket(base: str, login: str, password: str) -> AsyncIterator[ConsoleSocket]:
    """Log ``login`` in and open its authenticated WebSocket."""
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{base}/api/login",
                                   json={"username": login, "password": password})  # fmt: skip
        body = await response.json()
        if response.status != 200:
            raise RuntimeError(f"login of {login} failed: {body}")
        async with http.ws_connect(f"{base}{WEBSOCKET_PATH}") as socket:
            await socket.send_str(to_json(Authenticate(body["token"])))
            console = ConsoleSocket(socket)
            await console.next_where("session_ready", within=10)
            yield console


async def _expected_member(stack: DemoStack, caller: DemoNumber) -> str | None:
    assert stack.crm is not None
    found = await stack.crm.directory.lookup(caller.number)
    return found[0].number if found else None


async def check_call(
    stack: DemoStack, agent: ConsoleSocket, supervisor: ConsoleSocket, caller: DemoNumber
) -> CallCheck:
    """Place one call, wait for the pop and the call's end at the supervisor."""
    expected = await _expected_member(stack, caller)
    started = time.monotonic()
    await stack.caller.call(caller, talk_seconds=3)
    try:
        pop = await agent.next_where("screen_pop", within=30, caller=caller.number)
    except TimeoutError:
        return CallCheck(caller.number, expected, None, None, False, "no screen pop in 30 s")
    seconds = time.monotonic() - started
    member = (pop.get("member") or {}).get("profile", {}).get("number")
    try:
        await supervisor.next_where("call_update", within=30, call_id=pop["call_id"],
                                    state="ended")  # fmt: skip
        saw = True
    except TimeoutError:
        saw = False
    problem = None
    if member != expected:
        problem = f"popped member {member}, expected {expected}"
    elif not saw:
        problem = "the supervisor did not see the call end"
    return CallCheck(caller.number, expected, member, seconds, saw, problem)


async def run_check(stack: DemoStack, *, calls: int = 6) -> CheckReport:
    """Check ``calls`` demo calls one after another (members and unknown numbers)."""
    report = CheckReport()
    agent_login = stack.agents[0]
    async with (
        console_socket(stack.url, agent_login, stack.password) as agent,
        console_socket(stack.url, DEMO_SUPERVISOR, stack.supervisor_password) as supervisor,
    ):
        for caller in stack.callers[:calls]:
            report.calls.append(await check_call(stack, agent, supervisor, caller))
            stack.progress(_line(report.calls[-1]))
    return report


def _line(call: CallCheck) -> str:
    outcome = "ok" if call.ok else f"FAILED: {call.problem}"
    took = f"{call.pop_seconds:.2f} s" if call.pop_seconds is not None else "-"
    return (
        f"call from {call.number}: member {call.popped_member or 'unknown'}, pop {took} — {outcome}"
    )


__all__ = ["CallCheck", "CheckReport", "ConsoleSocket", "check_call", "console_socket", "run_check"]
