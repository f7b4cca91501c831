"""Presence and the publish queue, without a server: what an edge believes about consoles,
and what happens to pushes when the bus cannot take them."""

from __future__ import annotations

from cti.cluster.connection import Bus
from cti.cluster.presence import Presence
from cti.settings import NatsSettings


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_consoles_count_over_this_node_and_the_gateways_heard_lately() -> None:
    ticks = Ticks()
    local = {"li.na": 1}
    presence = Presence(node="a", local=lambda login: local.get(login, 0), stale_after=3,
                        clock=ticks)  # fmt: skip
    presence.learn("b", {"li.na": 2, "boss": 1})
    presence.learn("a", {"li.na": 9})  # this node's own list, echoed by the bus: ignored
    assert presence.connections_of("li.na") == 3
    ticks.now += 3
    assert presence.connections_of("boss") == 1  # heard 3 s ago: still counts
    ticks.now += 0.1
    assert presence.connections_of("boss") == 0  # a gateway not heard from counts nothing
    assert presence.connections_of("li.na") == 1


def test_a_new_list_from_a_gateway_replaces_its_old_one() -> None:
    presence = Presence(node="a", local=lambda _login: 0, stale_after=3)
    presence.learn("b", {"li.na": 2})
    presence.learn("b", {"boss": 1})
    assert (presence.connections_of("li.na"), presence.connections_of("boss")) == (0, 1)


async def test_pushes_beyond_the_publish_queue_are_dropped_and_counted() -> None:
    bus = Bus(settings=NatsSettings(url="nats://127.0.0.1:1", publish_queue=100), node="a")
    taken = [bus.publish("ctidesk.user.boss", b"{}") for _ in range(101)]
    assert taken == [True] * 100 + [False]
    assert (bus.published, bus.dropped) == (0, 1)
