"""Following the dialer's own calls through the AMI stream (pure: frames in, outcomes out).

Every Originate the dialer sends carries ``ChannelId: <attempt id>``, so the callee's
channel has the attempt's id as its ``Uniqueid`` on every event. The tracker joins those
events to the attempt and reports what matters, once each:

- :class:`Answered` — ``Newstate`` ``Up`` (the answer instant);
- :class:`AmdVerdict` — the answering-machine verdict the dialplan reports (its
  ``UserEvent`` with ``Step: amd`` on the callee's channel);
- :class:`IvrStep` — what the callee of an IVR message campaign did (heard the message
  to the end, pressed a key);
- :class:`Bridged` — the connect instant: the queue's ``AgentConnect`` (with the agent's
  interface) for a call handed to a queue, else the callee's ``BridgeEnter``;
- :class:`Ended` — the ``Hangup`` with its Q.850 ``Cause``. The outcome is classified
  from that cause, never from ``OriginateResponse``'s ``Reason`` (over PJSIP it is 0 for
  busy, congestion and unallocated alike).

``OriginateResponse`` and ``Hangup`` arrive in either order. A failed Originate whose
channel was never created ends the attempt with no cause (a network failure) once
:data:`FAILURE_GRACE` has passed with no ``Newchannel``. Calls count as in flight from the
moment they are expected until their end, so the pacer never over-counts free lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cti.bus.dialplan import DIALER_USER_EVENT, STEP_AMD, STEP_IVR_KEY, STEP_IVR_PLAYED
from cti.model.frame import Frame

FAILURE_GRACE = 2.0
"""Seconds a failed ``OriginateResponse`` waits for a ``Newchannel`` before the attempt ends."""


@dataclass(frozen=True, slots=True)
class Answered:
    """The callee answered (``Newstate`` ``Up``)."""

    attempt_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AmdVerdict:
    """Answering-machine detection's verdict: ``HUMAN``, ``MACHINE`` or ``NOTSURE``."""

    attempt_id: str
    status: str
    cause: str
    at: float


@dataclass(frozen=True, slots=True)
class IvrStep:
    """An IVR message campaign's callee heard the message (``played``) or pressed ``key-<d>``."""

    attempt_id: str
    result: str
    at: float


@dataclass(frozen=True, slots=True)
class Bridged:
    """The callee was connected to an agent (``agent``: the interface, "" when unknown)."""

    attempt_id: str
    at: float
    agent: str = ""


@dataclass(frozen=True, slots=True)
class Ended:
    """The attempt's call is over; ``cause`` is the Hangup's Q.850 cause (None: never dialled)."""

    attempt_id: str
    cause: int | None
    answered: bool
    bridged: bool
    at: float


Outcome = Answered | AmdVerdict | IvrStep | Bridged | Ended


@dataclass(slots=True)
class _Attempt:
    expected_at: float
    detects_machines: bool
    via_queue: bool
    for_agent: bool = True
    created: bool = False
    answered: bool = False
    bridged: bool = False
    failed_at: float | None = None
    amd: str | None = None


@dataclass
class AttemptTracker:
    """The dialer's calls in flight, keyed by attempt id (= the callee channel's Uniqueid)."""

    failure_grace: float = FAILURE_GRACE
    _attempts: dict[str, _Attempt] = field(default_factory=dict)

    def expect(
        self,
        attempt_id: str,
        at: float,
        *,
        detects_machines: bool = False,
        via_queue: bool = True,
        for_agent: bool = True,
        created: bool = False,
        answered: bool = False,
        bridged: bool = False,
    ) -> None:
        """Count ``attempt_id`` in flight from now (call before sending its Originate).

        With ``detects_machines`` (AMD on), an answered call waits for the HUMAN verdict
        before it is offered to an agent. ``via_queue``: the call is connected through a
        queue, so its connect instant is the queue's ``AgentConnect`` (which names the
        agent), not the first ``BridgeEnter``. ``created``: its channel exists already (an
        attempt taken over from a previous dialer). ``for_agent`` False: nobody is to be
        connected when it answers (an IVR message campaign). ``answered`` and ``bridged``:
        what a previous dialer already recorded of a call taken over.
        """
        attempt = _Attempt(
            at,
            detects_machines,
            via_queue,
            for_agent,
            created=created,
            answered=answered,
            bridged=bridged,
        )
        self._attempts.setdefault(attempt_id, attempt)

    def forget(self, attempt_id: str) -> None:
        """Stop following an attempt whose Originate was refused outright."""
        self._attempts.pop(attempt_id, None)

    def __contains__(self, attempt_id: object) -> bool:
        return attempt_id in self._attempts

    @property
    def in_flight(self) -> int:
        """Calls expected or live and not yet ended."""
        return len(self._attempts)

    @property
    def ringing(self) -> int:
        """Calls in flight that have not been answered yet."""
        return sum(1 for attempt in self._attempts.values() if not attempt.answered)

    def ringing_since(self) -> list[float]:
        """When each call in flight that nobody has answered yet was dialled."""
        return [attempt.expected_at for attempt in self._attempts.values() if not attempt.answered]

    def answered_waiting(self) -> list[str]:
        """Answered calls (by a person, as far as known) not yet bridged to an agent."""
        return [
            attempt_id
            for attempt_id, attempt in self._attempts.items()
            if attempt.answered
            and attempt.for_agent
            and not attempt.bridged
            and (attempt.amd == "HUMAN" or not attempt.detects_machines)
        ]

    def feed(self, frame: Frame, at: float) -> list[Outcome]:
        """What ``frame`` tells about the attempts followed (usually nothing)."""
        event = frame.get("Event")
        attempt_id = frame.get("Uniqueid")
        attempt = self._attempts.get(attempt_id)
        if attempt is None:
            return []
        if event == "UserEvent":
            return self._user_event(attempt_id, attempt, frame, at)
        if event == "Newchannel":
            attempt.created = True
        elif event == "Newstate" and frame.get("ChannelStateDesc") == "Up":
            if not attempt.answered:
                attempt.answered = True
                return [Answered(attempt_id, at)]
        elif (event == "AgentConnect") if attempt.via_queue else (event == "BridgeEnter"):
            if not attempt.bridged:
                attempt.bridged = True
                return [Bridged(attempt_id, at, frame.get("Interface"))]
        elif event == "Hangup":
            return [self._end(attempt_id, _cause(frame.get("Cause")), at)]
        elif event == "OriginateResponse" and frame.get("Response") != "Success":
            attempt.failed_at = None if attempt.created else at
        return []

    def expired(self, now: float) -> list[Ended]:
        """Attempts whose Originate failed and whose channel never appeared: ended, no cause."""
        over = [
            attempt_id
            for attempt_id, attempt in self._attempts.items()
            if attempt.failed_at is not None
            and not attempt.created
            and now - attempt.failed_at >= self.failure_grace
        ]
        return [self._end(attempt_id, None, now) for attempt_id in over]

    def _user_event(
        self, attempt_id: str, attempt: _Attempt, frame: Frame, at: float
    ) -> list[Outcome]:
        """The dialplan's ``UserEvent`` on the callee's channel: an AMD verdict, IVR steps."""
        if frame.get("UserEvent") != DIALER_USER_EVENT:
            return []
        step = frame.get("Step")
        if step == STEP_IVR_PLAYED:
            return [IvrStep(attempt_id, "played", at)]
        if step == STEP_IVR_KEY:
            return [IvrStep(attempt_id, f"key-{frame.get('Key')}", at)]
        if step != STEP_AMD or attempt.amd is not None:
            return []
        attempt.amd = frame.get("Status") or "NOTSURE"
        return [AmdVerdict(attempt_id, attempt.amd, frame.get("Cause"), at)]

    def _end(self, attempt_id: str, cause: int | None, at: float) -> Ended:
        attempt = self._attempts.pop(attempt_id)
        return Ended(attempt_id, cause, attempt.answered, attempt.bridged, at)


def _cause(text: str) -> int | None:
    return int(text) if text.isdigit() else None


__all__ = [
    "FAILURE_GRACE",
    "AmdVerdict",
    "Answered",
    "AttemptTracker",
    "Bridged",
    "Ended",
    "IvrStep",
    "Outcome",
]
