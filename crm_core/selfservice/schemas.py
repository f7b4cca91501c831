"""Data objects the self-service services return."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class PinOutcome(enum.StrEnum):
    """What came of one PIN entry."""

    VERIFIED = "verified"  # the member's PIN
    IDENTIFIED = "identified"  # the member number's last digits from the member's phone
    WRONG = "wrong"
    LOCKED_OUT = "locked_out"  # this wrong entry was the last one allowed
    LOCKED = "locked"  # the number or the member was already locked out


@dataclass(frozen=True)
class PinPolicy:
    """How many wrong PINs in a row lock the self-service, and for how long."""

    max_attempts: int = 3
    lockout: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class PinCheck:
    """The answer to one PIN entry; ``remaining`` wrong entries allowed before a lock-out."""

    outcome: PinOutcome
    member_number: str | None
    remaining: int
    locked_until: datetime | None = None

    @property
    def verified(self) -> bool:
        """Whether the caller proved to be the member (typed the PIN)."""
        return self.outcome is PinOutcome.VERIFIED

    @property
    def identified(self) -> bool:
        """Whether the caller is taken to be the member: verified, or only identified."""
        return self.outcome in (PinOutcome.VERIFIED, PinOutcome.IDENTIFIED)


@dataclass(frozen=True)
class AttemptView:
    """One logged PIN entry."""

    at: datetime
    caller: str | None
    member_number: str | None
    outcome: str


@dataclass(frozen=True)
class CallbackView:
    """A callback task left by a caller's after-hours voicemail."""

    id: int
    caller: str
    member_number: str | None
    call_linked_id: str | None
    mailbox: str
    message: str | None
    left_at: datetime
    due_at: datetime
    activity_id: int | None
    done_at: datetime | None = None
