"""Handlers for what call control and supervision add: ChanSpy sessions and ConfBridge rooms."""

from __future__ import annotations

from cti.model.calls import ensure_channel
from cti.model.channel_events import Handler
from cti.model.events import DomainEvent
from cti.model.frame import Frame
from cti.model.records import ModelState


def _spy_start(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    spyer = ensure_channel(state, event, at, prefix="Spyer")
    spyee = ensure_channel(state, event, at, prefix="Spyee")
    if spyer is not None:
        spyer.spying_on = (
            spyee.uniqueid if spyee is not None else event.get("SpyeeUniqueid") or None
        )


def _spy_stop(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    spyer = state.channels.get(event.get("SpyerUniqueid") or "")
    if spyer is not None:
        spyer.spying_on = None


def _conference_join(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    channel = ensure_channel(state, event, at)
    if channel is not None:
        channel.conference = event.get("Conference") or None


def _conference_leave(state: ModelState, event: Frame, at: float, out: list[DomainEvent]) -> None:
    channel = state.channels.get(event.get("Uniqueid") or "")
    if channel is not None and channel.conference == event.get("Conference"):
        channel.conference = None


CONTROL_HANDLERS: dict[str, Handler] = {
    "ChanSpyStart": _spy_start,
    "ChanSpyStop": _spy_stop,
    "ConfbridgeJoin": _conference_join,
    "ConfbridgeLeave": _conference_leave,
}
"""Supervision and conference AMI event names → handlers."""
