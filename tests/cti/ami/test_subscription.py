"""A subscription's life: closing it twice (its owner, then the client at shutdown) is safe."""

from __future__ import annotations

from cti.ami.subscription import Subscription


async def test_closing_a_subscription_twice_unregisters_it_once() -> None:
    registered: list[Subscription] = []
    subscription = Subscription(lambda _message: None, name="t", on_close=registered.remove)
    registered.append(subscription)
    await subscription.close()
    await subscription.close()
    assert registered == []
