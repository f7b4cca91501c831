"""How a new write of a call merges into what is recorded (pure rules, no database).

Telephony writes a call as its events arrive: at queue entry, at answer, at hang-up.
Each write carries what is known so far, and writing the same facts again changes
nothing. The rules, per kind of field:

- identity (direction, caller, start time): fixed by the first write; a different
  value is a :class:`CallRecordConflictError`;
- facts (called number, media, queue, agent, member, hangup cause, recording,
  disposition): go from empty to set once; ``None`` keeps what is there, a different
  value for a set fact is a conflict (a changed disposition goes through
  ``set_disposition``);
- times (queued, ringing, answered, ended): never move backwards — a later time
  replaces an earlier one, an earlier one (a late duplicate of an old event) is ignored;
- durations: never shrink, for the same reason;
- the merged times must run forwards (:class:`CallTimesOutOfOrderError`);
- ``abandoned`` is derived: queued, ended, never answered.

These rules make merging order-independent: the same writes in any order give the
same record, or the same conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crm_core.calls.exceptions import CallRecordConflictError, CallTimesOutOfOrderError

IDENTITY = ("direction", "caller", "started_at")
FACTS = (
    "called",
    "inbound_media",
    "queue",
    "agent_login",
    "member_number",
    "hangup_cause",
    "hangup_cause_text",
    "recording_ref",
    "disposition_code",
    "disposition_note",
)
TIMES = ("queued_at", "ringing_at", "answered_at", "ended_at")
DURATIONS = ("wait_seconds", "talk_seconds", "hold_seconds", "wrapup_seconds")
FIELDS = IDENTITY + FACTS + TIMES + DURATIONS
# (earlier, later): when both are known, ``later`` must not come before ``earlier``.
ORDER = (
    ("started_at", "queued_at"),
    ("started_at", "ringing_at"),
    ("started_at", "answered_at"),
    ("started_at", "ended_at"),
    ("queued_at", "ringing_at"),
    ("queued_at", "answered_at"),
    ("queued_at", "ended_at"),
    ("ringing_at", "answered_at"),
    ("ringing_at", "ended_at"),
    ("answered_at", "ended_at"),
)
Facts = Mapping[str, Any]


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def check_times(facts: Facts) -> None:
    """Raise :class:`CallTimesOutOfOrderError` unless the known times of a call run forwards."""
    for earlier, later in ORDER:
        first, second = facts.get(earlier), facts.get(later)
        if first is not None and second is not None and second < first:
            raise CallTimesOutOfOrderError(
                f"{later} ({second.isoformat()}) is before {earlier} ({first.isoformat()})",
                **{earlier: first.isoformat(), later: second.isoformat()},
            )


def is_abandoned(facts: Facts) -> bool:
    """A call that waited in a queue and ended without being answered."""
    return (
        facts.get("queued_at") is not None
        and facts.get("ended_at") is not None
        and facts.get("answered_at") is None
    )


def new_call(incoming: Facts) -> dict[str, Any]:
    """The values of a call's first write (durations default to 0, abandoned derived)."""
    check_times(incoming)
    values = {name: incoming.get(name) for name in FIELDS}
    for name in DURATIONS:
        values[name] = values[name] or 0
    values["abandoned"] = is_abandoned(values)
    return values


def merge(stored: Facts, incoming: Facts, *, linked_id: str) -> dict[str, Any]:
    """The changes that bring ``stored`` forward to include ``incoming`` (empty: no change).

    ``stored`` holds every field of :data:`FIELDS` and ``abandoned``; ``incoming`` the
    fields of a new write (``None`` for unknown).
    """
    conflicts = {
        name: {"recorded": _shown(stored[name]), "given": _shown(incoming.get(name))}
        for name in IDENTITY
        if incoming.get(name) != stored[name]
    }
    conflicts.update(
        (name, {"recorded": _shown(stored[name]), "given": _shown(incoming[name])})
        for name in FACTS
        if incoming.get(name) is not None
        and stored[name] is not None
        and incoming[name] != stored[name]
    )
    if conflicts:
        raise CallRecordConflictError(
            f"call {linked_id} is already recorded with other "
            + ", ".join(sorted(conflicts))
            + "; nothing was changed",
            linked_id=linked_id,
            fields=conflicts,
        )
    changes: dict[str, Any] = {}
    for name in FACTS:
        if incoming.get(name) is not None and stored[name] is None:
            changes[name] = incoming[name]
    for name in TIMES + DURATIONS:
        new = incoming.get(name)
        if new is not None and (stored[name] is None or new > stored[name]):
            changes[name] = new
    merged = {**stored, **changes}
    check_times(merged)
    abandoned = is_abandoned(merged)
    if abandoned != stored["abandoned"]:
        changes["abandoned"] = abandoned
    return changes
