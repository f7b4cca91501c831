"""The bus's subject names, in one place (docs/scale-out.md lists them).

A subject is dot-separated tokens; a token taken from data (a login, a queue, a call id)
is kept as it is when it holds only letters, digits, ``_`` and ``-``, and otherwise
written as ``~`` and the hex of its UTF-8 bytes, so no data can add a token or a wildcard.
"""

from __future__ import annotations

import re

ROOT = "ctidesk"
_PLAIN = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_UNIQUE_ID = re.compile(r"^(?P<system>[A-Za-z0-9_-]+)-\d+\.\d+$")

BROADCAST_ALL = f"{ROOT}.broadcast.all"
"""Pushes for every console (telephony status, notices)."""
PRESENCE = f"{ROOT}.presence"
"""Each gateway's open consoles by login (full lists, on each change and each heartbeat)."""
NODE_STATUS = f"{ROOT}.node.status"
"""A request every node answers with its status (``ctidesk nodes``)."""
SNAPSHOT_ALL = f"{ROOT}.snapshot"
"""Requests every edge answers with its Asterisk's live state (a gateway merging views)."""
HEARTBEAT = f"{ROOT}.node.heartbeat"
"""Every node's status, every ``[node] heartbeat_seconds``."""


def token(text: str) -> str:
    """``text`` as one subject token (see the module docstring)."""
    if _PLAIN.match(text):
        return text
    return "~" + text.encode().hex()


def untoken(text: str) -> str:
    """The data a token was made from (the inverse of :func:`token`)."""
    return bytes.fromhex(text[1:]).decode() if text.startswith("~") else text


def user(login: str) -> str:
    """Pushes for the consoles of ``login``."""
    return f"{ROOT}.user.{token(login)}"


def broadcast(role: str) -> str:
    """Pushes for the consoles of users with ``role``."""
    return f"{ROOT}.broadcast.role.{token(role)}"


def control(system: str) -> str:
    """Requests for the calls of Asterisk ``system``: answered by its edge."""
    return f"{ROOT}.edge.{token(system)}.control"


def snapshot(system: str) -> str:
    """Requests for the live state of Asterisk ``system`` (a gateway resyncing after a gap)."""
    return f"{ROOT}.edge.{token(system)}.snapshot"


def owner_of(call_id: str) -> str | None:
    """The ``systemname`` of the Asterisk a call id (a linked id) comes from, if it has one.

    Asterisk with a ``systemname`` writes unique ids as ``<systemname>-<epoch>.<seq>``."""
    match = _UNIQUE_ID.match(call_id)
    return match["system"] if match else None


__all__ = [
    "BROADCAST_ALL",
    "HEARTBEAT",
    "NODE_STATUS",
    "PRESENCE",
    "ROOT",
    "SNAPSHOT_ALL",
    "broadcast",
    "control",
    "owner_of",
    "snapshot",
    "token",
    "untoken",
    "user",
]
