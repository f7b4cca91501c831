"""What the reader watcher reports: one small type per event, each with a clear sentence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceAbsent:
    """pcscd cannot be reached (not installed, not started, or stopped)."""

    detail: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"pcscd is not running ({self.detail}); retrying until it is back"


@dataclass(frozen=True)
class ServiceLost:
    """pcscd went away while the watcher was watching."""

    detail: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"pcscd stopped ({self.detail}); reconnecting when it is back"


@dataclass(frozen=True)
class ServiceReady:
    """Connected to pcscd; ``readers`` are the readers present now."""

    readers: tuple[str, ...]

    @property
    def text(self) -> str:
        """The event in words."""
        if not self.readers:
            return "connected to pcscd; no card reader yet (plug one in)"
        return "connected to pcscd; readers: " + ", ".join(self.readers)


@dataclass(frozen=True)
class ReaderAdded:
    """A reader appeared (plugged in)."""

    reader: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"reader {self.reader} connected"


@dataclass(frozen=True)
class ReaderRemoved:
    """A reader went away (unplugged)."""

    reader: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"reader {self.reader} removed"


@dataclass(frozen=True)
class CardRead:
    """A card was put on ``reader`` and answered its UID."""

    reader: str
    uid: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"card {self.uid} on {self.reader}"


@dataclass(frozen=True)
class CardUnsupported:
    """A card on ``reader`` did not answer the UID command (status words ``status``)."""

    reader: str
    status: str

    @property
    def text(self) -> str:
        """The event in words."""
        return (
            f"the reader/card on {self.reader} does not support UID "
            f"(it answered {self.status}); nothing popped"
        )


@dataclass(frozen=True)
class CardGone:
    """The card left ``reader`` (or failed) before its UID was read."""

    reader: str
    detail: str

    @property
    def text(self) -> str:
        """The event in words."""
        return (
            f"the card on {self.reader} was removed before it could be read "
            f"({self.detail}); nothing popped, tap it again"
        )


@dataclass(frozen=True)
class CardRemoved:
    """The card on ``reader`` was taken off."""

    reader: str

    @property
    def text(self) -> str:
        """The event in words."""
        return f"card removed from {self.reader}"


WatchEvent = (
    ServiceAbsent
    | ServiceLost
    | ServiceReady
    | ReaderAdded
    | ReaderRemoved
    | CardRead
    | CardUnsupported
    | CardGone
    | CardRemoved
)

__all__ = [
    "CardGone",
    "CardRead",
    "CardRemoved",
    "CardUnsupported",
    "ReaderAdded",
    "ReaderRemoved",
    "ServiceAbsent",
    "ServiceLost",
    "ServiceReady",
    "WatchEvent",
]
