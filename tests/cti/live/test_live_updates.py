"""``call_update`` and ``queue_update`` pushes, from a real recorded Asterisk call.

The recorded stream (``tests/fixtures/ami/recorded-answered-call.ami``) drives a real
:class:`CallCentreModel`; the users come from a real CRM database. The hub is a small
recorder of its two push methods: the WebSocket side is the hub's own business.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field

import pytest

from crm_core.wiring import Crm
from cti.bus.directory import AgentDirectory
from cti.live.updates import CallEvent, LiveUpdates, call_state_of
from cti.model import (
    CallAbandoned,
    CallCentreModel,
    CallerQueued,
    CallHeld,
    CallTransferred,
)
from cti.protocol import CallUpdate, Message, QueueUpdate
from tests.support.recorded import AGENT, recorded_events

SUPERVISORS = "supervisors"


@dataclass
class Pushed:
    """One push: to a login, or to ``SUPERVISORS`` for a broadcast to those roles."""

    to: str
    message: Message
    at: float


@dataclass
class RecordingHub:
    """Records ``send_to_user`` and ``broadcast`` calls with the loop time."""

    pushed: list[Pushed] = field(default_factory=list)

    def send_to_user(self, login: str, message: Message) -> int:
        self.pushed.append(Pushed(login, message, asyncio.get_running_loop().time()))
        return 1

    def broadcast(self, message: Message, *, roles: Collection[str] | None = None) -> int:
        assert roles is not None and "supervisor" in roles and "agent" not in roles
        self.pushed.append(Pushed(SUPERVISORS, message, asyncio.get_running_loop().time()))
        return 1

    def calls_to(self, to: str) -> list[CallUpdate]:
        return [p.message for p in self.pushed if p.to == to and isinstance(p.message, CallUpdate)]

    def queues_to(self, to: str) -> list[Pushed]:
        return [p for p in self.pushed if p.to == to and isinstance(p.message, QueueUpdate)]


class ReplayClock:
    """The time of the last replayed event: snapshots are taken "then"."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    """The updates under test with their hub, model and clock."""

    updates: LiveUpdates
    hub: RecordingHub
    model: CallCentreModel
    clock: ReplayClock


@pytest.fixture
async def rig(crm: Crm) -> AsyncIterator[Rig]:
    """Users agent7 (the recorded agent phone), other (not in the queue) and sup."""
    await crm.users.add({"login": "agent7", "display_name": "A7", "role": "agent",
                         "interface": AGENT})  # fmt: skip
    await crm.users.add({"login": "other", "display_name": "O", "role": "agent",
                         "interface": "PJSIP/6099"})  # fmt: skip
    await crm.users.add({"login": "sup", "display_name": "S", "role": "supervisor"})
    hub, model, clock = (
        RecordingHub(),
        CallCentreModel(wrapup_seconds={"hotline": 30}),
        ReplayClock(),
    )
    directory = AgentDirectory(users=crm.users)
    updates = LiveUpdates(hub=hub, agents=directory, model=model, clock=clock)
    await updates.start()
    yield Rig(updates, hub, model, clock)
    await updates.stop()


async def replay(rig: Rig, *, yield_between: bool) -> None:
    """Feed the recording through the model into the updates, as the bridge does."""
    for fields, at in recorded_events():
        rig.clock.now = at
        for event in rig.model.apply(fields, at):
            rig.updates(event)
        if yield_between:
            await asyncio.sleep(0)


async def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition()`` until it is true, for up to three seconds."""
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition still false after 3 s")


async def settle(rig: Rig) -> None:
    """Wait until the call has ended on the wire, then for any trailing queue update."""

    def ended() -> bool:
        states = [u.state for u in rig.hub.calls_to(SUPERVISORS)]
        return "ended" in states and bool(rig.hub.queues_to(SUPERVISORS))

    await until(ended)
    await asyncio.sleep(rig.updates.queue_interval * 1.5)


@pytest.mark.parametrize("yield_between", [True, False], ids=["event-by-event", "one-burst"])
async def test_a_recorded_call_pushes_its_states_to_supervisors_and_its_agent(
    rig: Rig, yield_between: bool
) -> None:
    await replay(rig, yield_between=yield_between)
    await settle(rig)

    # Supervisors see the whole call; the agent only the part it is on.
    for to, states in (
        (SUPERVISORS, ["queued", "ringing", "answered", "ended"]),
        ("agent7", ["ringing", "answered", "ended"]),
    ):
        updates = rig.hub.calls_to(to)
        assert [u.state for u in updates] == states
        assert {(u.caller, u.queue) for u in updates} == {("13800138000", "hotline")}
        assert [u.agent for u in updates][-3:] == ["agent7"] * 3
        assert len({u.call_id for u in updates}) == 1 and len({u.since for u in updates}) == 1
    assert not [p for p in rig.hub.pushed if p.to in ("other", "sup")]


@pytest.mark.parametrize("yield_between", [True, False], ids=["event-by-event", "one-burst"])
async def test_queue_updates_are_coalesced_to_one_per_queue_per_interval(
    rig: Rig, yield_between: bool
) -> None:
    await replay(rig, yield_between=yield_between)
    await settle(rig)

    for to in (SUPERVISORS, "agent7"):
        pushed = rig.hub.queues_to(to)
        # The replay takes far less than one interval: the first change goes out at
        # once, everything after it in one trailing update (a burst: one in all).
        assert len(pushed) == (2 if yield_between else 1)
        gaps = [b.at - a.at for a, b in itertools.pairwise(pushed)]
        assert all(gap >= rig.updates.queue_interval * 0.99 for gap in gaps)
        last = pushed[-1].message
        assert last == QueueUpdate("hotline", waiting=0, longest_wait_seconds=0, agents_ready=0,
                                   agents_busy=1, agents_paused=0,
                                   service_level_seconds=20)  # fmt: skip


async def test_a_long_burst_on_one_queue_sends_at_most_one_update_per_interval(rig: Rig) -> None:
    await replay(rig, yield_between=False)
    await settle(rig)
    rig.hub.pushed.clear()
    loop = asyncio.get_running_loop()
    start = loop.time()
    number = 0
    while loop.time() - start < 0.6:
        number += 1
        rig.updates(CallerQueued(rig.clock.now, f"x.{number}", "hotline", "1", "", "", 1))
        await asyncio.sleep(0.002)
    await asyncio.sleep(rig.updates.queue_interval * 1.5)

    pushed = rig.hub.queues_to(SUPERVISORS)
    assert number > 100 and 3 <= len(pushed) <= 5
    gaps = [b.at - a.at for a, b in itertools.pairwise(pushed)]
    assert min(gaps) >= rig.updates.queue_interval * 0.99
    assert len(rig.hub.calls_to(SUPERVISORS)) == number


async def test_the_listener_only_queues_and_never_waits(rig: Rig) -> None:
    await rig.updates.stop()
    rig.updates(CallerQueued(1.0, "c.1", "hotline", "1", "", "", 1))
    assert rig.hub.pushed == []


@pytest.mark.parametrize(
    ("event", "state"),
    [
        (CallHeld(1.0, "c.1", "c.2", on_hold=True), "held"),
        (CallHeld(1.0, "c.1", "c.2", on_hold=False), "answered"),
        (CallTransferred(1.0, "c.1", "blind", "6002", None), "transferred"),
        (CallAbandoned(1.0, "c.1", "hotline", "1", 4.0, 1), "abandoned"),
    ],
)
def test_events_the_recording_lacks_map_to_their_wire_states(event: CallEvent, state: str) -> None:
    assert call_state_of(event) == state


async def test_an_abandoned_call_unknown_to_the_model_still_names_its_caller_and_queue(
    rig: Rig,
) -> None:
    rig.updates(CallAbandoned(10.0, "gone.1", "hotline", "13900139000", 4.0, 1))
    await until(lambda: bool(rig.hub.calls_to(SUPERVISORS)))
    (update,) = rig.hub.calls_to(SUPERVISORS)
    assert (update.state, update.caller, update.queue, update.agent) == (
        "abandoned",
        "13900139000",
        "hotline",
        None,
    )
    assert update.since == "1970-01-01T00:00:10Z"
