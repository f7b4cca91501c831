"""An AGI client simulator: Asterisk's side of one FastAGI call, over TCP.

It sends the ``agi_*`` environment, then answers each command as Asterisk would:
keypad reads from a script of keys, channel variables from a dictionary, everything
else ``200 result=0``. With a ``secret`` it answers the server's challenge as an
Asterisk whose ``ctidesk_agi.conf`` holds that secret (without one, as an Asterisk whose
file is missing: the challenge alone). It records every command and, per command, the
turnaround: the time from our reply (or the environment) to the server's next command.
Tests use it for the protocol and the flows' validation; ``bench/ivr_load.py`` for load.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

_CHALLENGE = re.compile(r"\$\{SHA1\((?P<challenge>[0-9a-f]+)\$\{AST_CONFIG\([^)]*\)\}\)\}")
HANG_UP = "HANGUP"
"""A key script entry that hangs the caller up instead of answering that keypad read."""


@dataclass
class SimulatedCall:
    """What happened on one simulated call."""

    commands: list[str] = field(default_factory=list)
    turnarounds: list[float] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    hung_up: bool = False
    secret: str | None = None

    def said(self, command: str) -> list[list[str]]:
        """The arguments of every ``command`` sent (e.g. ``"SAY NUMBER"``)."""
        found = []
        for line in self.commands:
            if line.startswith(command + " ") or line == command:
                found.append(shlex.split(line[len(command) :]))
        return found


def environment(
    script: str, *, caller: str = "", dnid: str = "", arguments: Iterable[str] = ()
) -> dict[str, str]:
    """A plausible environment for ``agi://127.0.0.1/script``."""
    values = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1/{script}",
        "agi_channel": "Local/s@test-caller-00000001;1",
        "agi_language": "en",
        "agi_type": "Local",
        "agi_uniqueid": "1700000000.1",
        "agi_callerid": caller or "unknown",
        "agi_calleridname": "unknown",
        "agi_dnid": dnid or "unknown",
        "agi_context": "from-trunk",
        "agi_extension": dnid or "s",
        "agi_priority": "2",
        "agi_enhanced": "0.0",
    }
    for index, argument in enumerate(arguments, start=1):
        values[f"agi_arg_{index}"] = argument
    return values


async def simulate_call(
    host: str,
    port: int,
    env: Mapping[str, str],
    *,
    keys: Iterable[str] = (),
    variables: Mapping[str, str] | None = None,
    within: float = 30.0,
    think: Callable[[], float] | None = None,
    secret: str | None = None,
) -> SimulatedCall:
    """Play one call against the FastAGI server at ``host:port``; returns what it sent.

    ``think`` gives the seconds a caller takes before each keypad answer (a person
    listening and typing); the turnaround clock starts when the answer is sent. ``secret``
    is what this Asterisk's ``ctidesk_agi.conf`` holds (``None``: no such file).
    """
    call = SimulatedCall(variables=dict(variables or {}), secret=secret)
    pending = list(keys)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        async with asyncio.timeout(within):
            writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
            await writer.drain()
            sent_at = time.perf_counter()
            while True:
                raw = await reader.readline()
                if not raw:
                    return call
                call.turnarounds.append(time.perf_counter() - sent_at)
                line = raw.decode().rstrip("\n")
                call.commands.append(line)
                if think is not None and line.startswith(("GET DATA", "GET OPTION")):
                    await asyncio.sleep(think())
                reply = _answer(line, pending, call)
                if reply is None:
                    call.hung_up = True
                    writer.write(b"HANGUP\n")
                    await writer.drain()
                    return call
                writer.write(reply.encode())
                await writer.drain()
                sent_at = time.perf_counter()
    finally:
        writer.close()
        await writer.wait_closed()


def _answer(line: str, keys: list[str], call: SimulatedCall) -> str | None:
    words = shlex.split(line)
    name = " ".join(words[:2]).upper()
    if name == "GET DATA":
        key = keys.pop(0) if keys else ""
        if key == HANG_UP:
            return None
        return f"200 result={key}\n" if key else "200 result= (timeout)\n"
    if name == "GET OPTION":
        key = keys.pop(0) if keys else ""
        if key == HANG_UP:
            return None
        return f"200 result={ord(key[0]) if key else 0} endpos=0\n"
    if name == "SET VARIABLE":
        call.variables[words[2]] = words[3] if len(words) > 3 else ""
        return "200 result=1\n"
    challenge = _CHALLENGE.fullmatch(words[3]) if len(words) > 3 else None
    if line.upper().startswith("GET FULL VARIABLE") and challenge is not None:
        text = challenge.group("challenge") + (call.secret or "")
        return f"200 result=1 ({hashlib.sha1(text.encode()).hexdigest()})\n"  # noqa: S324
    if line.upper().startswith("GET FULL VARIABLE"):
        expression = words[3].removeprefix("${").removesuffix("}")
        # Like Asterisk: an unset variable reads as empty, not as "not found".
        return f"200 result=1 ({call.variables.get(expression, '')})\n"
    if name == "GET VARIABLE":
        value = call.variables.get(words[2], "")
        return f"200 result=1 ({value})\n" if value else "200 result=0\n"
    return "200 result=0\n"
