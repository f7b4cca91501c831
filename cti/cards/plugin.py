"""Wiring of the card desk: its routes, pushing card pops through the hub."""

from __future__ import annotations

from cti.bus.wiring import Wiring
from cti.cards.http import card_routes
from cti.cards.notifier import CardNotifier
from cti.cards.services import CardDesk, MemberSummaries


def load(wiring: Wiring, *, summaries: MemberSummaries) -> CardDesk:
    """Serve the card routes; ``summaries`` builds a pop's member (the screen pop's builder)."""
    desk = CardDesk(crm=wiring.crm, notifier=CardNotifier(hub=wiring.hub), summaries=summaries)
    wiring.add_routes(card_routes(desk))
    return desk


__all__ = ["load"]
