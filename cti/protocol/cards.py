"""The card routes' answers the console and the card watcher read (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass

from cti.protocol.messages import ScreenPop

CHIP_UID = r"^(?:[0-9A-F]{2}){4,10}$"
"""A chip UID on the wire: 4 to 10 bytes as upper-case hex, no separators."""


@dataclass(frozen=True)
class CardOfUid:
    """What a chip UID is: its card (``status`` ``unknown`` when no card has it)."""

    uid: str
    status: str
    card_number: str | None = None
    member_number: str | None = None
    replaced_by: str | None = None


@dataclass(frozen=True)
class CardTapped:
    """A recorded tap: the pop it made and how many of the user's consoles got it."""

    pop: ScreenPop
    consoles: int


__all__ = ["CHIP_UID", "CardOfUid", "CardTapped"]
