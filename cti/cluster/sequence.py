"""Numbered live messages: a gateway notices one that never came.

Live events are at most once. A gap the gateway's own connection sees (the bus lost and
back, NATS cutting it off as a slow consumer) is reported by the bus; a message the
publishing node dropped (its outbox full, the bus away while it published) is not. So
each publisher numbers its messages per subject, in a header: ``<origin>.<n>``, the origin
naming the publishing process (a restarted node starts a new origin at 1). A gateway
that follows a subject and gets ``n`` after ``n - 2`` has lost one and repairs as after
any gap. The first message of an origin on a subject, and the first after the gateway
(re)subscribed, sets where it counts from.
"""

from __future__ import annotations

from collections.abc import Mapping

SEQUENCE_HEADER = "Ctidesk-Seq"


class Numbering:
    """One publisher's message numbers, per subject."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self._last: dict[str, int] = {}

    def headers(self, subject: str) -> dict[str, str]:
        """The header of the next message on ``subject`` (its number taken)."""
        number = self._last[subject] = self._last.get(subject, 0) + 1
        return {SEQUENCE_HEADER: f"{self.origin}.{number}"}


class GapWatch:
    """A subscriber's last number per publisher and subject; counts the gaps it sees."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], int] = {}
        self.gaps = 0
        """Messages found missing (each jump counted once)."""

    def heard(self, subject: str, headers: Mapping[str, str] | None) -> bool:
        """Note a message on ``subject``; True when one before it never came. A message
        without a number (or with one that does not read) is taken as it is."""
        origin, _, number = (headers or {}).get(SEQUENCE_HEADER, "").rpartition(".")
        if not origin or not number.isdigit():
            return False
        key, n = (origin, subject), int(number)
        last = self._last.get(key)
        if last is not None and n <= last:
            return False  # NATS keeps one publisher's order: an old number is a repeat
        self._last[key] = n
        if last is None or n == last + 1:
            return False
        self.gaps += 1
        return True

    def forget(self, subject: str) -> None:
        """Unsubscribed from ``subject``: count from the next message after subscribing."""
        self._last = {key: n for key, n in self._last.items() if key[1] != subject}

    def reset(self) -> None:
        """The bus was lost (that gap is reported by the bus): count from the next ones."""
        self._last.clear()


__all__ = ["SEQUENCE_HEADER", "GapWatch", "Numbering"]
