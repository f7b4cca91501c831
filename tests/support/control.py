"""Helpers for the call-control, supervisor and recording tests on the sandbox Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from cti.model import DomainEvent
from cti.service import CtiService
from tests.support.asterisk import AmiClient, AmiMessage
from tests.support.telephony import (
    PASSWORD,
    Console,
    agent_console,
    hang_up_everything,
    originate,
)

SUPERVISOR_PHONE = "Local/5009@test-phones/n"  # sends audio, as a live handset does
SECOND_AGENT_PHONE = "Local/6002@test-phones/n"
TALKING_AGENT_PHONE = "Local/5001@test-phones/n"
"""An agent phone that sends audio: ChanSpy only runs its loop while the spied call has media."""


async def add_user(
    service: CtiService, login: str, role: str, interface: str | None, queues: tuple[str, ...] = ()
) -> None:
    """A staff user with the test password."""
    await service.crm.users.add(
        {"login": login, "display_name": login.title(), "role": role, "interface": interface,
         "queues": [{"queue": queue} for queue in queues]},
        password=PASSWORD,
    )  # fmt: skip


async def channels(ami: AmiClient) -> list[AmiMessage]:
    """Asterisk's own list of live channels."""
    return await ami.list_action("CoreShowChannels")


async def bridged_with(ami: AmiClient, name: str) -> set[str]:
    """Names of the channels Asterisk reports in the same bridge as channel ``name``."""
    live = await channels(ami)
    bridge = next((c.get("BridgeId", "") for c in live if c["Channel"] == name), "")
    if not bridge:
        return set()
    return {c["Channel"] for c in live if c.get("BridgeId") == bridge and c["Channel"] != name}


@contextlib.asynccontextmanager
async def answered_call(
    service: CtiService,
    ami: AmiClient,
    login: str = "agent1",
    queue_did: str | None = None,
    phone: str = "Local/6001@test-phones/n",
    queues: tuple[str, ...] = ("hotline",),
    caller: str = '"Caller" <13900000002>',
) -> AsyncIterator[tuple[Console, str, AmiMessage]]:
    """Agent ``login`` (``phone``, 6001 by default) signed in to ``queues`` and talking to
    ``caller`` on ``queue_did`` (the hotline by default).

    Yields the console, the call id and Asterisk's ``AgentConnect``; everything is hung up
    and signed out at the end.
    """
    await add_user(service, login, "agent", phone, queues)
    async with agent_console(service, login) as console:
        try:
            signin = await console.post("/api/agent/signin", {"queues": list(queues)})
            assert signin.status == 200, await signin.text()
            if queue_did is None:
                await originate(ami, caller)
            else:
                response = await ami.action(
                    "Originate", Channel="Local/s@test-caller", Context="from-trunk",
                    Exten=queue_did, Priority="1", CallerID=caller, Async="true",
                )  # fmt: skip
                assert response["Response"] == "Success", response
            connect = await ami.wait_for_event("AgentConnect")
            call_id = connect["Linkedid"]
            await wait_model(service, lambda: talking(service, call_id))
            yield console, call_id, connect
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")


def talking(service: CtiService, call_id: str) -> bool:
    """Whether the service's model has an agent's leg of the call bridged with the other
    party. Asterisk's ``AgentConnect`` (the console's "answered") comes before the bridge's
    ``BridgeEnter`` events: a hold or transfer sent between the two finds nobody to act on."""
    if service.model.call(call_id, 0) is None:
        return False
    return any(
        leg.agent is not None
        and leg.bridge_id is not None
        and any(peer.agent != leg.agent for peer in service.model.bridge_peers(leg.uniqueid))
        for leg in service.model.legs(call_id)
    )


async def wait_model(
    service: CtiService, condition: Callable[[], bool], within: float = 10.0
) -> None:
    """Wait until ``condition()`` holds, re-checked on every domain event (and every 0.2 s,
    for model changes that emit none, such as a channel entering a bridge)."""
    changed = asyncio.Event()

    def listener(_event: DomainEvent) -> None:
        changed.set()

    service.bridge.listen(listener)
    try:
        async with asyncio.timeout(within):
            while not condition():
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.2):
                        await changed.wait()
    finally:
        service.bridge._listeners.remove(listener)


def events(ami: AmiClient, name: str, **match: str) -> list[AmiMessage]:
    """The events named ``name`` with fields ``match`` seen so far."""
    return [
        e for e in ami.events
        if e.get("Event") == name and all(e.get(k) == v for k, v in match.items())
    ]  # fmt: skip


async def dialled_to(ami: AmiClient, caller: str, prefix: str) -> AmiMessage:
    """The answered ``DialEnd`` from ``caller`` to a channel whose name starts with ``prefix``."""

    def found() -> list[AmiMessage]:
        return [
            e for e in events(ami, "DialEnd", Channel=caller, DialStatus="ANSWER")
            if e.get("DestChannel", "").startswith(prefix)
        ]  # fmt: skip

    await ami.wait_for(lambda: bool(found()))
    return found()[0]


__all__ = [
    "SECOND_AGENT_PHONE",
    "SUPERVISOR_PHONE",
    "TALKING_AGENT_PHONE",
    "add_user",
    "answered_call",
    "bridged_with",
    "channels",
    "dialled_to",
    "events",
    "recorder_started",
    "talking",
    "wait_model",
]


async def agent_complete(ami: AmiClient, connect: AmiMessage) -> AmiMessage:
    """Asterisk's ``AgentComplete`` of the call ``connect`` (its ``AgentConnect``) began.

    When the caller hangs up first, Asterisk may send it without the caller's channel
    fields, and without the member's too when that channel is gone as well
    (tests/cti/model/test_model_real_asterisk.py): a field it has must match, one it lacks
    cannot, so the test must have only this call in the queue.
    """

    def ours(event: AmiMessage) -> bool:
        return (
            event.event == "AgentComplete"
            and event.get("Queue") == connect["Queue"]
            and event.get("Uniqueid", "") in ("", connect["Uniqueid"])
            and event.get("DestUniqueid", "") in ("", connect["DestUniqueid"])
        )

    await ami.wait_for(lambda: any(ours(e) for e in ami.events))
    return next(e for e in ami.events if ours(e))


async def recorder_started(ami: AmiClient, leg: str) -> AmiMessage:
    """The ``MixMonitorStart`` of the service's recorder listening to channel ``leg``.

    A recording is a recorder channel of its own (cti/recordings): it runs MixMonitor on
    itself and ChanSpy on the leg, so the leg it records is found through ``ChanSpyStart``.
    """
    spy = await ami.wait_for_event("ChanSpyStart", SpyeeChannel=leg)
    return await ami.wait_for_event("MixMonitorStart", Uniqueid=spy["SpyerUniqueid"])
