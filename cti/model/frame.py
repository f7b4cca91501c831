"""What the model reads from an AMI event: the `Frame` protocol (standard library only)."""

from __future__ import annotations

from typing import Protocol


class Frame(Protocol):
    """One AMI frame as the model reads it; `cti.ami.AmiMessage` is one (structurally).

    Keys are looked up case-insensitively; a missing key reads as `default`. A key Asterisk
    repeats (``ChanVariable``, one per manager.conf ``channelvars`` entry) keeps every value.
    """

    def get(self, key: str, default: str = "", /) -> str:
        """The first value of `key`, or `default`."""
        ...

    def get_all(self, key: str, /) -> list[str]:
        """Every value of a repeated `key`, in order (empty when missing)."""
        ...

    def __contains__(self, key: object, /) -> bool:
        """Whether the frame has `key` at all (even with an empty value)."""
        ...
