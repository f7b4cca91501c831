"""The `Action` builder: every key and value checked before anything reaches the socket.

panoramisk 1.4 writes action values verbatim, so a value holding ``\\r\\n\\r\\n`` ends the
action and starts a second, injected one. We *replace* its `Action` with this builder:
keys must match ``^[A-Za-z0-9-]+$`` and values may hold no CR, LF or NUL, else
`AmiValueError` names the key at construction time, so nothing can be sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cti.ami.errors import AmiValueError

FieldValue = str | int | bool | Sequence[str]

_KEY = re.compile(r"[A-Za-z0-9-]+")
_FORBIDDEN = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\0": "a NUL byte"}
_RESERVED = frozenset({"action", "actionid"})
_MASKED = frozenset({"secret", "key"})
EOL = "\r\n"


def _check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise AmiValueError(key, "is not a valid AMI key (letters, digits and '-' only)")


def _check_value(key: str, value: str) -> str:
    for char, name in _FORBIDDEN.items():
        if char in value:
            raise AmiValueError(key, f"contains {name}")
    return value


def _as_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _check_value(key, value)
    raise AmiValueError(key, f"has a value of type {type(value).__name__}, not str/int/bool")


class Action:
    """An AMI action: a name and ordered ``Key: Value`` fields, validated on construction.

    A sequence value repeats its key (``Variable: a=1``, ``Variable: b=2``). `Action` and
    `ActionID` are set by the client and may not be given.
    """

    __slots__ = ("fields", "name")

    def __init__(
        self, name: str, fields: Mapping[str, FieldValue] | None = None, /, **more: FieldValue
    ) -> None:
        _check_key(name)
        self.name = name
        pairs: list[tuple[str, str]] = []
        for key, value in {**(fields or {}), **more}.items():
            _check_key(key)
            if key.lower() in _RESERVED:
                raise AmiValueError(key, "is set by the client and may not be given")
            if isinstance(value, Sequence) and not isinstance(value, str):
                pairs.extend((key, _as_text(key, item)) for item in value)
            else:
                pairs.append((key, _as_text(key, value)))
        self.fields: tuple[tuple[str, str], ...] = tuple(pairs)

    def get(self, key: str, default: str = "") -> str:
        """The first value of `key` (case-insensitive), or `default`."""
        wanted = key.lower()
        return next((value for k, value in self.fields if k.lower() == wanted), default)

    def encode(self, action_id: str) -> bytes:
        """The wire bytes of this action with `action_id`, ending with the blank line."""
        _check_value("ActionID", action_id)
        lines = [f"Action: {self.name}", f"ActionID: {action_id}"]
        lines.extend(f"{key}: {value}" for key, value in self.fields)
        return (EOL.join(lines) + EOL + EOL).encode("utf-8")

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{key}={'********' if key.lower() in _MASKED else value!r}"
            for key, value in self.fields
        )
        return f"Action({self.name}{', ' if shown else ''}{shown})"
