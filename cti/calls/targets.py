"""Transfer and conference targets: an agent (by login), a queue, or a number.

A target is written ``agent:LOGIN``, ``queue:NAME`` or ``number:DIGITS``; without a
prefix, digits (with ``+*#``) are a number, and a name is an agent's login if there is
such a user, else a queue. Every part sent to Asterisk comes from a user record or is
checked against a strict pattern first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_core.errors import NotFoundError
from crm_core.staff.schemas import UserView
from crm_core.staff.services import UserService
from cti.bus.dialplan import DIAL_CONTEXT, OUTBOUND_CONTEXT, QUEUE_CONTEXT
from cti.calls.errors import UnknownTargetError

NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
QUEUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


@dataclass(frozen=True)
class Destination:
    """Where a call goes: a dialplan place, and the interface to dial when it is an agent."""

    kind: str
    label: str
    context: str
    exten: str
    interface: str | None = None
    user: UserView | None = None

    def channel(self) -> str:
        """A channel to originate that reaches the destination (conference third party)."""
        if self.interface is not None:
            return self.interface
        return f"Local/{self.exten}@{self.context}/n"


def _number(text: str) -> Destination:
    digits = text.replace("+", "", 1) if text.startswith("+") else text
    if not NUMBER.fullmatch(text):
        raise UnknownTargetError(f"{text!r} is not a phone number", target=text)
    return Destination("number", text, OUTBOUND_CONTEXT, digits)


def _queue(name: str) -> Destination:
    if not QUEUE.fullmatch(name):
        raise UnknownTargetError(f"{name!r} is not a queue name", target=name)
    return Destination("queue", name, QUEUE_CONTEXT, name)


async def _agent(users: UserService, login: str) -> Destination:
    if not LOGIN.fullmatch(login):
        raise UnknownTargetError(f"{login!r} is not a login", target=login)
    try:
        user = await users.get(login)
    except NotFoundError:
        raise UnknownTargetError(f"no user {login!r}", target=login) from None
    if user.interface is None or not user.active:
        raise UnknownTargetError(f"{login} has no phone to ring", target=login)
    return Destination("agent", login, DIAL_CONTEXT, "s", interface=user.interface, user=user)


async def resolve_target(users: UserService, target: str) -> Destination:
    """The destination ``target`` names; :class:`UnknownTargetError` when it names nothing."""
    kind, sep, rest = target.partition(":")
    if sep:
        if kind == "number":
            return _number(rest)
        if kind == "queue":
            return _queue(rest)
        if kind == "agent":
            return await _agent(users, rest)
        raise UnknownTargetError(f"unknown target kind {kind!r}: use agent:, queue: or number:")
    if NUMBER.fullmatch(target):
        return _number(target)
    try:
        return await _agent(users, target)
    except UnknownTargetError:
        return _queue(target)


__all__ = ["Destination", "resolve_target"]
