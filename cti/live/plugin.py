"""Wiring of the live views: queues, agents and calls now, and their pushes to consoles."""

from __future__ import annotations

from dataclasses import dataclass

from cti.bus.wiring import Wiring
from cti.live.http import live_routes
from cti.live.notifier import ConsoleNotifier
from cti.live.services import ModelLiveState
from cti.live.updates import LiveUpdates


@dataclass(frozen=True)
class LiveDomain:
    """The live state the routes read and the two notifiers that push its changes."""

    state: ModelLiveState
    notifier: ConsoleNotifier
    updates: LiveUpdates


def load(wiring: Wiring) -> LiveDomain:
    """Serve the live views; push agent states, queue and call updates, telephony status."""
    state = ModelLiveState(model=wiring.model, agents=wiring.agents)
    notifier = ConsoleNotifier(hub=wiring.hub, agents=wiring.agents)
    updates = LiveUpdates(hub=wiring.hub, agents=wiring.agents, model=wiring.model)
    wiring.listen(notifier)
    wiring.listen(updates)
    wiring.run(notifier)
    wiring.run(updates)
    wiring.client.on_status(notifier.telephony_changed)
    wiring.add_routes(live_routes(state))
    return LiveDomain(state=state, notifier=notifier, updates=updates)


__all__ = ["LiveDomain", "load"]
