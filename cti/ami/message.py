"""What Asterisk sends: `AmiMessage` (an event or a response), `AmiList` (a list's answer).

Standard library only: `cti.model` reads `AmiMessage` through its own `Frame` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass


class AmiMessage:
    """One AMI frame: its ``Key: Value`` headers in order, looked up case-insensitively.

    A repeated key (``ChanVariable``) keeps every value in `headers`; `get` returns the first.
    """

    __slots__ = ("_index", "headers")

    def __init__(self, headers: tuple[tuple[str, str], ...]) -> None:
        self.headers = headers
        index: dict[str, str] = {}
        for key, value in headers:
            index.setdefault(key.lower(), value)
        self._index = index

    @property
    def event(self) -> str:
        """The event name, or "" for a response."""
        return self._index.get("event", "")

    @property
    def response(self) -> str:
        """The response status (Success, Error, Goodbye…), or "" for an event."""
        return self._index.get("response", "")

    @property
    def action_id(self) -> str:
        """The ActionID this frame answers, or ""."""
        return self._index.get("actionid", "")

    @property
    def is_event(self) -> bool:
        """True for an ``Event:`` frame."""
        return "event" in self._index

    def get(self, key: str, default: str = "") -> str:
        """The first value of `key` (case-insensitive), or `default`."""
        return self._index.get(key.lower(), default)

    def get_all(self, key: str) -> list[str]:
        """Every value of a repeated `key`, in order."""
        wanted = key.lower()
        return [value for k, value in self.headers if k.lower() == wanted]

    def __getitem__(self, key: str) -> str:
        """The first value of `key` (case-insensitive); `KeyError` when the frame lacks it."""
        try:
            return self._index[key.lower()]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AmiMessage) and other.headers == self.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        kind = f"Event={self.event!r}" if self.is_event else f"Response={self.response!r}"
        return f"<AmiMessage {kind} ({len(self.headers)} headers)>"


@dataclass(frozen=True, slots=True)
class AmiList:
    """The answer to a list action: the response, the listed events, the ``…Complete`` event."""

    response: AmiMessage
    events: tuple[AmiMessage, ...]
    complete: AmiMessage
