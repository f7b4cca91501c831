"""The FastAGI wire protocol: the environment block, command lines and replies (pure).

Asterisk opens the connection and sends ``agi_name: value`` lines ending with a blank
line. We then send one command line at a time and read its reply: ``200 result=N
[(data)] [endpos=N]``, an error (``510``, ``511``, a ``520-`` usage block), or
``HANGUP`` when the caller has gone. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE = 8192
MAX_ENV_LINES = 200
_REPLY = re.compile(r"(?P<code>\d{3})(?P<sep>[ -])(?P<rest>.*)")
_RESULT = re.compile(r"result=(?P<result>[^\s(]*)(?:\s*\((?P<data>.*)\))?(?P<extra>(?:\s.*)?)")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class AgiProtocolError(Exception):
    """Asterisk (or whoever connected) said something that is not FastAGI."""


class AgiHangup(Exception):
    """The caller hung up or the connection closed: the flow must end."""


@dataclass(frozen=True)
class AgiEnvironment:
    """The ``agi_*`` variables Asterisk sent when the session opened."""

    values: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        """The value of ``agi_<name>`` (``default`` when absent)."""
        return self.values.get(f"agi_{name}", default)

    @property
    def script(self) -> str:
        """The route asked for: the path of ``agi://host:port/PATH``, without a query."""
        path = self.get("network_script")
        if not path:
            path = self.get("request").partition("://")[2].partition("/")[2]
        return path.partition("?")[0].strip("/")

    @property
    def arguments(self) -> list[str]:
        """``agi_arg_1``, ``agi_arg_2``… in order."""
        found = []
        index = 1
        while f"agi_arg_{index}" in self.values:
            found.append(self.values[f"agi_arg_{index}"])
            index += 1
        return found

    @property
    def caller(self) -> str:
        """The caller's number, empty when withheld or unknown."""
        number = self.get("callerid")
        return "" if number in ("unknown", "anonymous") else number

    @property
    def dialled(self) -> str:
        """The number the caller dialled (the DID)."""
        dnid = self.get("dnid")
        return dnid if dnid and dnid != "unknown" else self.get("extension")


def parse_environment_line(line: str) -> tuple[str, str]:
    """One ``agi_name: value`` line; :class:`AgiProtocolError` for anything else."""
    name, sep, value = line.partition(":")
    if not sep or not name.startswith("agi_") or not name[4:].replace("_", "").isalnum():
        raise AgiProtocolError(f"not an AGI environment line: {line[:80]!r}")
    return name, value.strip()


@dataclass(frozen=True)
class AgiReply:
    """A ``200`` reply: the result code, the text in parentheses, and the rest (endpos…)."""

    result: str
    data: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int:
        """The result as an integer (:class:`AgiProtocolError` if it is not one)."""
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(f"result {self.result!r} is not a number") from None

    @property
    def timed_out(self) -> bool:
        """Whether a keypad read ended because the caller typed nothing more in time."""
        return self.data == "timeout"


def parse_reply(line: str) -> AgiReply:
    """The reply to a command from its status line.

    ``HANGUP``, ``511`` (dead channel) and ``result=-1`` raise :class:`AgiHangup`;
    other error codes and malformed lines raise :class:`AgiProtocolError`.
    """
    if line.strip() == "HANGUP":
        raise AgiHangup("the caller hung up")
    match = _REPLY.fullmatch(line.strip())
    if match is None:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, rest = match.group("code"), match.group("rest")
    if code == "511":
        raise AgiHangup("the channel is dead")
    if code != "200" or match.group("sep") != " ":
        raise AgiProtocolError(f"Asterisk refused the command: {line.strip()[:200]}")
    result = _RESULT.fullmatch(rest)
    if result is None:
        raise AgiProtocolError(f"reply without a result: {line[:80]!r}")
    extra = dict(part.partition("=")[::2] for part in result.group("extra").split() if "=" in part)
    reply = AgiReply(result.group("result"), result.group("data"), extra)
    if reply.result == "-1":
        raise AgiHangup("the command failed on a hung-up channel")
    return reply


def quote(argument: str) -> str:
    """One command argument, quoted for Asterisk's AGI parser; control characters refused."""
    if _UNSAFE.search(argument):
        raise ValueError(f"control character in AGI argument {argument[:40]!r}")
    if argument and not any(char in argument for char in ' "\\'):
        return argument
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def command_line(*words: str) -> bytes:
    """A whole command line, e.g. ``command_line("GET DATA", "beep", "5000", "4")``."""
    if not words or not words[0] or _UNSAFE.search(words[0]):
        raise ValueError("an AGI command needs a name without control characters")
    text = " ".join([words[0], *(quote(word) for word in words[1:])]) + "\n"
    if len(text) > MAX_LINE:
        raise ValueError("AGI command line too long")
    return text.encode("utf-8")
