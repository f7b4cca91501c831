"""Wiring of the live views: queues, agents and calls now, and their pushes to consoles."""

from __future__ import annotations

from dataclasses import dataclass

from cti.bus.wiring import Wiring
from cti.live.http import live_routes
from cti.live.notifier import ConsoleNotifier
from cti.live.services import ModelLiveState
from cti.live.state import TodayFigures
from cti.live.updates import LiveUpdates


@dataclass(frozen=True)
class LiveDomain:
    """The live state the routes read and the two notifiers that push its changes."""

    state: ModelLiveState
    notifier: ConsoleNotifier
    updates: LiveUpdates


def load(wiring: Wiring, *, today: TodayFigures | None = None) -> LiveDomain:
    """Serve the live views; push agent states, queue and call updates, telephony status;
    with ``today``, each queue's figures today go with its counters."""
    state = ModelLiveState(model=wiring.model, agents=wiring.agents, today=today)
    notifier = ConsoleNotifier(hub=wiring.hub, agents=wiring.agents)
    updates = LiveUpdates(hub=wiring.hub, agents=wiring.agents, model=wiring.model, today=today)
    wiring.listen(notifier)
    wiring.listen(updates)
    wiring.run(notifier)
    wiring.run(updates)
    wiring.client.on_status(notifier.telephony_changed)
    wiring.add_routes(live_routes(state))
    return LiveDomain(state=state, notifier=notifier, updates=updates)


__all__ = ["LiveDomain", "load"]
