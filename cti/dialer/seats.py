"""Agents seated in their own rooms for predictive campaigns (pure: frames in, state out).

A predictive agent's phone sits on an open channel in the agent's own ConfBridge room
(``agent-<login>``, the dialplan's ``[ctidesk-dialer-agent]``) between calls, so handing
an answered callee over is a move into that room, not a phone that rings. The seats are
followed from the AMI stream (``ConfbridgeJoin``/``ConfbridgeLeave`` of those rooms): an
agent is *seated* while their channel is in the room, *talking* while a callee is in it
too, and *wrapping up* after the callee leaves, for the wrap-up time of the campaign's
queue that connected the callee, or until the agent closes the call with a disposition
(:meth:`Seats.end_wrapup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cti.bus.dialplan import AGENT_ROOM_PREFIX
from cti.model.frame import Frame
from cti.model.views import AgentStatus, AgentView


@dataclass
class Seat:
    """One agent's room: their own channel, the callee in it, their wrap-up."""

    login: str
    interface: str | None = None
    """The agent's phone interface, when the dialer seated them (None: seen only in events)."""
    agent_channel: str | None = None
    agent_channel_name: str = ""
    callee: str | None = None
    talking_since: float | None = None
    wrapup_until: float | None = None
    wrap_up_seconds: float | None = None
    """The wrap-up after the callee in the room leaves: that of the campaign that connected
    them (None: the seats' default)."""

    @property
    def seated(self) -> bool:
        """The agent's open channel is in the room."""
        return self.agent_channel is not None


@dataclass
class Seats:
    """Every agent room the dialer has seen, by login."""

    wrap_up_seconds: float = 0.0
    by_login: dict[str, Seat] = field(default_factory=dict)
    _agent_channels: set[str] = field(default_factory=set)

    @staticmethod
    def room_of(login: str) -> str:
        """The room (and connect extension) of an agent."""
        return f"{AGENT_ROOM_PREFIX}{login}"

    def expect_agent(self, login: str, interface: str, channel_id: str) -> None:
        """``channel_id`` will be ``login``'s own leg (the Originate of their phone into
        their room, from ``interface``)."""
        self._agent_channels.add(channel_id)
        self.by_login.setdefault(login, Seat(login)).interface = interface

    def feed(self, frame: Frame, at: float) -> bool:
        """Follow a room event; True when a seat changed (the pacer looks again)."""
        event = frame.get("Event")
        if event not in ("ConfbridgeJoin", "ConfbridgeLeave"):
            return False
        room = frame.get("Conference")
        if not room.startswith(AGENT_ROOM_PREFIX):
            return False
        login = room.removeprefix(AGENT_ROOM_PREFIX)
        seat = self.by_login.setdefault(login, Seat(login))
        uniqueid = frame.get("Uniqueid")
        is_agent = uniqueid in self._agent_channels or frame.get("Marked") == "Yes"
        if event == "ConfbridgeJoin":
            if is_agent:
                seat.agent_channel, seat.agent_channel_name = uniqueid, frame.get("Channel")
            else:
                seat.callee, seat.talking_since, seat.wrapup_until = uniqueid, at, None
        elif uniqueid == seat.agent_channel:
            seat.agent_channel = None
            self._agent_channels.discard(uniqueid)
        elif uniqueid == seat.callee:
            seat.callee, seat.talking_since = None, None
            wrap_up = seat.wrap_up_seconds
            seat.wrapup_until = at + (self.wrap_up_seconds if wrap_up is None else wrap_up)
        return True

    def end_wrapup(self, interface: str, now: float) -> bool:
        """The agent whose phone is ``interface`` closed their call: their wrap-up ends now.
        True when a seat's wrap-up was running (the pacer looks again)."""
        seat = self.of_interface(interface)
        if seat is None or seat.wrapup_until is None or seat.wrapup_until <= now:
            return False
        seat.wrapup_until = now
        return True

    def ready(self, now: float) -> list[Seat]:
        """Seats whose agent sits alone in the room with no wrap-up left, waiting longest first."""
        free = [
            seat
            for seat in self.by_login.values()
            if seat.seated
            and seat.interface is not None
            and seat.callee is None
            and (seat.wrapup_until is None or seat.wrapup_until <= now)
        ]
        return sorted(free, key=lambda seat: seat.wrapup_until or 0.0)

    def of_interface(self, interface: str) -> Seat | None:
        """The seat of the agent whose phone is ``interface``, if seated by the dialer."""
        return next((seat for seat in self.by_login.values() if seat.interface == interface), None)

    def as_agents(self, interfaces: set[str], now: float) -> list[AgentView]:
        """The seated agents among ``interfaces`` as the pacer counts them: ready, talking
        (since the callee joined) or wrapping up (until their wrap-up ends)."""
        agents = []
        for seat in self.by_login.values():
            if not seat.seated or seat.interface not in interfaces:
                continue
            if seat.callee is not None:
                state, since = AgentStatus.ON_CALL, seat.talking_since or now
            elif seat.wrapup_until is not None and seat.wrapup_until > now:
                state, since = AgentStatus.WRAP_UP, now
            else:
                state, since = AgentStatus.READY, now
            agents.append(
                AgentView(
                    interface=seat.interface or "",
                    name=seat.login,
                    state=state,
                    reason="",
                    since=since,
                    time_in_state=now - since,
                    call_id=None,
                    queues=(),
                    wrapup_until=seat.wrapup_until,
                )
            )
        return agents


__all__ = ["Seat", "Seats"]
